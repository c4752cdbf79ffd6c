"""`cx-assess frameworks list|show|validate` as a user runs them."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main
from bot.frameworks import BUNDLED_DIR
from tests.samples import MINI_YAML


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_validate_bundled_frameworks_exits_zero() -> None:
    paths = sorted(str(p) for p in BUNDLED_DIR.glob("*.yaml"))
    code, out = run("frameworks", "validate", *paths)
    assert code == 0
    assert out.count("ok: ") == len(paths) >= 3


def test_validate_broken_file_exits_one_listing_every_error(write_framework, capsys) -> None:
    good = write_framework()
    bad = write_framework(
        MINI_YAML.replace("version: 1", "version: x").replace("weight: 2", "weight: heavy"),
        name="mini2",
    )
    code, out = run("frameworks", "validate", str(good), str(bad))
    err = capsys.readouterr().err
    assert code == 1
    assert f"ok: {good}" in out
    assert f"error: {bad}: version: expected a whole number, got 'x'" in err
    assert f"error: {bad}: areas[1].weight: expected a number, got 'heavy'" in err
    assert "1 of 2 file(s) have errors" in err


def test_list_shows_ids_areas_and_levels() -> None:
    code, out = run("frameworks", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "AREAS", "LEVELS"]
    maturity = next(line for line in lines if line.startswith("cx-maturity "))
    assert maturity.split()[-2:] == ["12", "4"]


def test_show_json_uses_the_yaml_field_names() -> None:
    code, out = run("frameworks", "show", "cx-pillars", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["id"] == "cx-pillars" and len(data["areas"]) == 5
    assert set(data["scale"]["levels"][0]) == {"value", "key", "label", "summary", "synonyms"}
    assert {"briefs", "actions"} <= set(data["areas"][0])


def test_show_in_spanish_prints_spanish_texts() -> None:
    code, out = run("frameworks", "show", "cx-maturity", "--lang", "es")
    assert code == 0 and "Iniciación" in out


def test_show_unknown_framework_lists_valid_ids(capsys) -> None:
    code, _ = run("frameworks", "show", "nope")
    err = capsys.readouterr().err
    assert code == 2 and "unknown framework 'nope'" in err and "cx-maturity" in err


def test_extra_frameworks_directory_from_environment(write_framework, monkeypatch) -> None:
    monkeypatch.setenv("CX_ASSESS_FRAMEWORKS", str(write_framework().parent))
    code, out = run("frameworks", "list")
    assert code == 0 and any(line.startswith("mini ") for line in out.splitlines())


def test_broken_extra_framework_fails_with_its_path(write_framework, monkeypatch, capsys) -> None:
    bad = write_framework(MINI_YAML.replace("id: mini", "id: 7 7"))
    monkeypatch.setenv("CX_ASSESS_FRAMEWORKS", str(bad.parent))
    code, _ = run("frameworks", "list")
    assert code == 1 and f"{bad}: id:" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["zero", "0", "1", "2"])
def test_bad_environment_value_is_reported(monkeypatch, capsys, value: str) -> None:
    monkeypatch.setenv("CX_ASSESS_MIN_RESPONSES", value)
    code, _ = run("frameworks", "list")
    assert code == 1 and "CX_ASSESS_MIN_RESPONSES" in capsys.readouterr().err
