"""Shared fixtures: a small valid framework as YAML text, written to real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.samples import MINI_YAML


@pytest.fixture
def write_framework(tmp_path: Path):
    """Write YAML text to ``tmp_path/<name>.yaml`` and return the path."""

    def write(text: str = MINI_YAML, name: str = "mini") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
