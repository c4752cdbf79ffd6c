"""Shared fixtures: a small valid framework written to real files; a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import PgServer, PgServerError
from tests.samples import MINI_YAML


@pytest.fixture
def write_framework(tmp_path: Path):
    """Write YAML text to ``tmp_path/<name>.yaml`` and return the path."""

    def write(text: str = MINI_YAML, name: str = "mini") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server, started on first use and stopped after the session.

    A server that cannot start fails the tests that need it (never a skip: CI must not pass
    without running them).
    """
    try:
        server = PgServer().start()
    except PgServerError as error:
        reason = f"cannot start the throwaway PostgreSQL server: {error}"
        raise pytest.fail.Exception(reason, pytrace=False) from None
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a new empty database on the session's server."""
    return pg_server.fresh_database()
