"""The package as people install it: `python -m build`, then the wheel in a fresh virtual
environment outside the repository, its commands run from a folder that holds nothing else."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot import __version__
from tests.samples import MINI_YAML

pytestmark = [pytest.mark.slow, pytest.mark.processes]

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_IDS = ["cx-expectations", "cx-maturity", "cx-pillars", "cx-strategy"]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel (built from the sdist), as `python -m build` makes them; with the
    backend of the test's own environment, which saves setting up one for the build."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,  # on failure pytest shows what the command printed
    )
    return out


@pytest.fixture(scope="session")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel (no editable install) and, in reach, only
    the distributions it declares it needs, and theirs: those of the test's own environment,
    linked into a folder of their own (copying them all in takes seconds)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (wheel,) = dist.glob("*.whl")
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-compile", "--no-deps", str(wheel)], check=True
    )
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    (installed,) = importlib.metadata.distributions(name="cx-assess", path=[str(site)])
    deps = venv / "deps"
    deps.mkdir()
    for found in requirements(installed.requires or []):
        for top in {path.parts[0] for path in found.files or []} - {"..", "__pycache__"}:
            link = deps / top
            if not link.exists():
                link.symlink_to(Path(str(found.locate_file(top))))
    (site / "deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    return venv


def requirements(requires: list[str]) -> list[importlib.metadata.Distribution]:
    """The distributions ``requires`` names and theirs (extras left out), each as the test's own
    environment holds it, in a version the requirement accepts."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [Requirement(text) for text in requires]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found or not (requirement.marker is None or requirement.marker.evaluate()):
            continue
        found[name] = importlib.metadata.distribution(name)
        assert found[name].version in requirement.specifier, (requirement, found[name].version)
        assert found[name].files, f"{name} lists no files"
        todo += [Requirement(text) for text in found[name].requires or []]
    return list(found.values())


@pytest.fixture
def run(venv: Path, tmp_path: Path) -> Run:
    """Run a program of the virtual environment in ``tmp_path``, with nothing of the repository
    in reach; returns the finished process (standard output and error as text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CX_ASSESS", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)

    def run(program: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / program), *args],
            cwd=tmp_path,
            env=env | extra_env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_sdist_carries_the_frameworks_and_the_manifest(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {f"frameworks/{fid}.yaml" for fid in BUNDLED_IDS} | {"manifest.yaml"} <= names


def test_installed_package_reads_its_bundled_files_from_the_environment(
    run: Run, venv: Path
) -> None:
    where = run("python", "-c", "from bot.resources import bundled; print(bundled(''))")
    bundled = Path(where.stdout.strip())
    assert bundled.is_relative_to(venv) and bundled.parts[-2:] == ("bot", "bundled"), where.stderr
    version = run("cx-assess", "--version")
    assert version.stdout == f"cx-assess {__version__}\n", version.stderr


def test_installed_cli_lists_the_bundled_frameworks_and_ones_own(run: Run, tmp_path: Path) -> None:
    listed = run("cx-assess", "frameworks", "list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == BUNDLED_IDS
    own = tmp_path / "own"
    own.mkdir()
    (own / "mini.yaml").write_text(MINI_YAML, encoding="utf-8")
    listed = run("cx-assess", "frameworks", "list", CX_ASSESS_FRAMEWORKS=str(own))
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [*BUNDLED_IDS, "mini"]


def test_installed_cli_validates_a_bundled_framework_file(run: Run) -> None:
    where = run("python", "-c", "from bot.resources import bundled; print(bundled('frameworks'))")
    path = Path(where.stdout.strip(), "cx-maturity.yaml")
    assert path.is_file(), where.stderr
    validated = run("cx-assess", "frameworks", "validate", str(path))
    assert validated.returncode == 0, validated.stderr


def test_installed_cli_prints_the_manifest(run: Run) -> None:
    printed = run("cx-assess", "manifest", "--url", "https://cx.example.com")
    assert printed.returncode == 0, printed.stderr
    manifest = yaml.safe_load(printed.stdout)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/cx-assess"
    assert command["url"] == "https://cx.example.com/slack/events"


def test_installed_cli_reports_on_a_csv(run: Run, tmp_path: Path) -> None:
    answers = "participant,area,current,target\nAna,data,1,3\nBen,data,2,3\nCy,data,1,2\n"
    (tmp_path / "answers.csv").write_text(answers, encoding="utf-8")
    reported = run(
        "cx-assess", "report", "--framework", "cx-pillars", "--answers", "answers.csv",
        "--format", "json",
    )  # fmt: skip
    assert reported.returncode == 0, reported.stderr
    report = json.loads(reported.stdout)
    data = next(area for area in report["areas"] if area["id"] == "data")
    assert (data["n"], data["current"]["median"], data["target"]["median"]) == (3, 1, 3)


def test_installed_cli_runs_the_demo(run: Run, tmp_path: Path) -> None:
    demo = run("cx-assess", "demo", "--out", "out")
    assert demo.returncode == 0, demo.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["framework"]["id"] == "cx-maturity"
    assert report["participants"]["invited"] == 7
    assert (tmp_path / "out" / "chart.png").read_bytes().startswith(b"\x89PNG")
