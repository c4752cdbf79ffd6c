"""Shared fixtures: a small valid framework written to real files; a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import asyncpg
import pytest
from slack_sdk.http_retry import builtin_async_handlers

from bot.storage import Store
from bot.storage.schema import TABLES
from tests.pgserver import PgServer, PgServerError
from tests.samples import MINI_YAML

T = TypeVar("T")


@pytest.fixture(autouse=True)
def no_retry_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack-sdk's rate-limit retry waits the answer's ``Retry-After`` seconds plus a random
    0 to 1 s; without that jitter a test waits only what the fake Slack's ``Retry-After`` says
    (0 where the length does not matter), not half a second per retry."""
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))


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
def pg_shared(pg_server: PgServer) -> tuple[str, str]:
    """A database with cx-assess's schema that the session's tests take turns on, and the
    statement that empties it."""
    url = pg_server.fresh_database()

    async def migrate() -> str:
        async with Store.open(url):
            pass
        conn = await asyncpg.connect(url)
        try:
            sequences = await conn.fetch(
                "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name)"
                " FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
        finally:
            await conn.close()
        # Deleting the rows of a few small tables is quicker than a TRUNCATE (which replaces
        # each table's files); the later tables refer to the earlier ones.
        deletes = [f"DELETE FROM {name};" for name, _ in reversed(TABLES)]
        return " ".join([*deletes, *(f"ALTER SEQUENCE {seq} RESTART;" for (seq,) in sequences)])

    return url, _run(migrate())


@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with cx-assess's schema, made once per test process: the end-to-end
    harness copies it (2 ms) instead of migrating a new file (14 ms)."""
    path = tmp_path_factory.mktemp("migrated") / "cx.db"

    async def migrate() -> None:
        async with Store.open(str(path)):
            pass

    _run(migrate())
    return path


@pytest.fixture
def pg_url(pg_shared: tuple[str, str]) -> str:
    """A PostgreSQL database with cx-assess's schema and no rows, its identities starting
    at 1 (emptied for each test, which is quicker than creating one)."""
    url, empty = pg_shared

    async def run_empty() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(empty)
        finally:
            await conn.close()

    _run(run_empty())
    return url


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on an event loop of its own, whatever loop runs around the caller."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


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


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown with -p no:xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores this process may use, as the tests spend
    part of their time waiting (on sockets, timeouts, the processes they start) while another
    worker can use the core. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still caps it, as in xdist."""
    if capped := os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(capped)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that run separate processes first (the package build first of all), so that
    pytest-xdist spreads them over the workers while the many short tests even out the end,
    instead of one worker finishing them alone after the other ran out of tests."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            item.get_closest_marker("processes") is None,
        )
    )
