"""Shared fixtures: a small valid framework written to real files; a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import Store
from bot.storage.schema import TABLES
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


@pytest.fixture(scope="session")
def pg_shared(pg_server: PgServer) -> str:
    """A database with cx-assess's schema that the session's tests take turns on."""
    url = pg_server.fresh_database()

    async def migrate() -> None:
        async with Store.open(url):
            pass

    _run(migrate())
    return url


@pytest.fixture
def pg_url(pg_shared: str) -> str:
    """A PostgreSQL database with cx-assess's schema and no rows (emptied for each test,
    which is quicker than creating one)."""

    async def empty() -> None:
        conn = await asyncpg.connect(pg_shared)
        try:
            names = ", ".join(name for name, _ in TABLES)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    _run(empty())
    return pg_shared


def _run(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` on an event loop of its own, whatever loop runs around the caller."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, work).result()


@pytest.fixture
def pg_empty_url(pg_server: PgServer) -> str:
    """The URL of a new empty database on the session's server."""
    return pg_server.fresh_database()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses a database (`db_url`) runs on each engine, unless it is marked
    ``sqlite_only`` (it looks into the SQLite file itself)."""
    if "engine" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("engine", ["sqlite"] if sqlite_only else ["sqlite", "postgresql"])


@pytest.fixture
def db_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database on ``engine``: a SQLite file, or a PostgreSQL database."""
    if engine == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "cx.db")
