"""`cx-assess demo`: a simulated round end to end, reproducible, feeding `cx-assess report`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo import FILES, Behaviour, personas, run_demo
from bot.frameworks import BUNDLED_DIR, load_framework
from bot.model import RoundStatus
from bot.storage import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's output folder and what it printed (run once for the module)."""
    out_dir = tmp_path_factory.mktemp("demo") / "out"
    printed = io.StringIO()
    assert main(["demo", "--out", str(out_dir)], out=printed) == 0
    return out_dir, printed.getvalue()


def test_demo_prints_a_summary_and_writes_the_four_files(demo: tuple[Path, str]) -> None:
    out_dir, printed = demo
    assert sorted(p.name for p in out_dir.iterdir() if p.name in FILES) == sorted(FILES)
    assert printed.startswith(
        "Demo: 7 simulated stakeholders took Contact center CX maturity through the interview "
        "engine.\n\nContact center CX maturity\n"
    )
    assert "6 of 7 invited people answered; 5 went through every area." in printed  # one declined,
    assert printed.endswith(f"Written to {out_dir}: {', '.join(FILES)}\n")  # one stopped halfway
    assert (out_dir / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert (out_dir / "report.md").read_text(encoding="utf-8").startswith("# Contact center")
    header, first = (out_dir / "answers.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header == "participant,area,current,target,importance,comment"
    assert first.startswith("P01,cx-philosophy,")


def test_report_command_reproduces_the_demo_json(demo: tuple[Path, str]) -> None:
    out_dir, _ = demo
    out = io.StringIO()
    answers = str(out_dir / "answers.csv")
    argv = ["report", "--framework", "cx-maturity", "--answers", answers, "--invited", "7"]
    assert main([*argv, "--format", "json"], out=out) == 0
    assert out.getvalue() == (out_dir / "report.json").read_text(encoding="utf-8")


async def test_demo_round_is_closed_in_its_database_with_the_report(
    demo: tuple[Path, str],
) -> None:
    out_dir, _ = demo
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    async with Store.open(str(out_dir / "demo.db")) as store:
        (round_,) = await store.rounds_in_channel("demo", "demo")
        answers = await store.answers(round_.id)
    assert round_.status is RoundStatus.CLOSED and round_.result == report
    assert report["participants"] == {"invited": 7, "responded": 6, "completed": 5}
    assert any(area["comments"] for area in report["areas"])  # the simulated comments
    csv_rows = (out_dir / "answers.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(csv_rows) == sum(len(areas) for areas in answers.values())


async def test_same_seed_same_outputs_in_a_fresh_database(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    out_dir, _ = demo
    (tmp_path / "demo.db").write_text("not a database")  # a leftover is replaced, not reused
    await run_demo(
        load_framework(BUNDLED_DIR / "cx-maturity.yaml"),
        participants=7,
        lang="en",
        seed=42,
        out_dir=tmp_path,
        min_responses=3,
        consensus_threshold=0.7,
        stdout=io.StringIO(),
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (out_dir / name).read_bytes(), name


def test_personas_have_distinct_names_and_one_declines_and_one_stops_halfway() -> None:
    people = personas(12)
    assert len({p.name for p in people}) == 12
    assert people[10].name == "CX director 2"
    assert [p.behaviour for p in people].count(Behaviour.COMPLETES) == 10
    assert people[-2].behaviour is Behaviour.DECLINES
    assert people[-1].behaviour is Behaviour.STOPS_HALFWAY
    assert {p.behaviour for p in personas(3)} == {Behaviour.COMPLETES}


def test_the_readmes_chart_is_the_one_the_demo_draws(demo: tuple[Path, str]) -> None:
    from matplotlib.image import imread  # pixels, not bytes: the PNG's metadata may differ

    out_dir, _ = demo
    docs = Path(__file__).parent.parent / "docs" / "demo-chart.png"
    drawn, shown = imread(out_dir / "chart.png"), imread(docs)
    assert drawn.shape == shown.shape and (drawn == shown).all(), (
        f"docs/demo-chart.png is stale: cp {out_dir / 'chart.png'} docs/demo-chart.png"
    )
