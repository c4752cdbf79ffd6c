"""`cx-assess report` on a workshop spreadsheet, as a user runs it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.blockkit import assert_valid_blocks
from tests.samples import MINI_YAML

# Hand-checked: alpha 1, 1, 2 (median 1) with targets 3, 3 and a comment; beta 3 and one not sure,
# one level: below the default minimum of 3, so withheld and left out of the overall (alpha's 1).
WORKSHOP = """\
participant,area,current,target,importance,comment,table
Ana,alpha,1,high,,Too slow,A
Ben,alpha,low,3,,,B
Cy,alpha,2,?,,,A
Ana,beta,3,3,,,A
Ben,beta,?,,,,B
"""
EARLIER = "participant,area,current\nAna,alpha,1\nBen,beta,2\n"


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini framework in CX_ASSESS_FRAMEWORKS and the CSV files, all in ``tmp_path``."""
    frameworks = tmp_path / "frameworks"
    frameworks.mkdir()
    (frameworks / "mini.yaml").write_text(MINI_YAML, encoding="utf-8")
    monkeypatch.setenv("CX_ASSESS_FRAMEWORKS", str(frameworks))
    monkeypatch.delenv("CX_ASSESS_MIN_RESPONSES", raising=False)
    (tmp_path / "now.csv").write_text(WORKSHOP, encoding="utf-8")
    (tmp_path / "before.csv").write_text(EARLIER, encoding="utf-8")
    return tmp_path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_markdown_report_by_default(files: Path) -> None:
    code, out = run("report", "--framework", "mini", "--answers", str(files / "now.csv"))
    assert code == 0
    assert out.startswith("# Mini: assessment report\n")
    assert "\n**Overall stage: 1 · Low**\n" in out
    assert (
        "- 3 of 3 invited people answered; 2 went through every area." in out
    )  # invited: the file
    assert "| Alpha | 3 | 0 | 1 · Low | – | – | – | – |" in out  # 3 answers: no agreement
    assert "- Too slow" in out
    assert "| Beta | – | – | – | – | – | – | too few answers to show |" in out


def test_json_report_in_spanish_with_invited_and_min_responses(files: Path) -> None:
    code, out = run(
        "report",
        "--framework=mini",
        f"--answers={files / 'now.csv'}",
        "--format=json",
        "--lang=es",
        "--invited=5",
        "--min-responses=4",
    )
    data = json.loads(out)
    assert code == 0 and data["lang"] == "es" and data["areas"][0]["name"] == "Alfa"
    assert data["participants"] == {"invited": 5, "responded": 3, "completed": 2}
    assert data["settings"] == {"min_responses": 4, "consensus_threshold": 0.7}
    assert [a["current"] for a in data["areas"]] == [None, None]  # alpha's 3 answers: below 4
    assert data["overall"]["score"] is None and data["trend"] is None


def test_blocks_with_trend_and_chart(files: Path) -> None:
    chart = files / "out" / "chart.png"
    chart.parent.mkdir()
    code, out = run(
        "report",
        "--framework",
        "mini",
        "--answers",
        str(files / "now.csv"),
        "--previous",
        str(files / "before.csv"),
        "--format",
        "blocks",
        "--chart",
        str(chart),
    )
    blocks = json.loads(out)
    assert code == 0
    assert_valid_blocks(blocks)
    lines = blocks[-2]["text"]["text"]
    # The earlier round had one answer per area: withheld then, so no change to show now.
    assert "• *Alpha*  1 → –\n" in lines  # two targets: too few to show
    assert "• *Beta*  too few answers to show" in lines
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_bad_row_exits_1_naming_the_line_and_column(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = files / "bad.csv"
    bad.write_text(WORKSHOP.replace("Cy,alpha,2", "Cy,alpha,maybe"), encoding="utf-8")
    code, out = run("report", "--framework", "mini", "--answers", str(bad))
    assert (code, out) == (1, "")
    assert capsys.readouterr().err == (
        f"cx-assess: {bad}: line 4, column current: 'maybe' is not a level of mini "
        "(use 1-3, a key such as medium, ? for not sure or skip)\n"
    )


def test_fewer_invited_than_participants_exits_1(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(files / "now.csv")
    code, _ = run("report", "--framework", "mini", "--answers", path, "--invited", "2")
    assert code == 1
    assert capsys.readouterr().err == (
        f"cx-assess: --invited 2 is fewer than the 3 participants in {path}\n"
    )


def test_an_endless_answers_file_stops_with_a_clear_message(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("report", "--framework", "mini", "--answers", "/dev/zero")
    assert (code, out) == (1, "")
    assert capsys.readouterr().err == (
        "cx-assess: /dev/zero: the file is too large (at most 5,000,000 bytes and 200,000 lines)\n"
    )
    code, _ = run("frameworks", "validate", "/dev/zero")
    assert code == 1
    assert "/dev/zero: the file is larger than 1,000,000 bytes" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option", ["--invited=0", "--min-responses=x", "--min-responses=2", "--min-responses=51"]
)
def test_counts_must_be_whole_numbers_in_range(option: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["report", "--framework=a", "--answers=b", option])
    assert exit_.value.code == 2


def test_a_chart_that_cannot_be_written_exits_1(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = files / "missing" / "chart.png"
    argv = ["report", "--framework", "mini", "--answers", str(files / "now.csv")]
    code, out = run(*argv, "--chart", str(chart))
    assert (code, out) == (1, "")
    assert (
        capsys.readouterr().err == f"cx-assess: cannot write {chart}: No such file or directory\n"
    )
