"""Start-up refuses an unusable database, and a second `serve` on one SQLite file, in one line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakeslack import FakeSlack
from tests.test_serve import SECRET, TOKEN, Server, free_port

pytestmark = pytest.mark.processes


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


def chat(db: Path | str) -> subprocess.CompletedProcess[str]:
    return run("chat", "--framework", "cx-pillars", "--db", str(db), "--name", "ana")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_folder_as_database_is_refused_in_one_line(tmp_path: Path) -> None:
    line = one_line_error(chat(tmp_path))
    assert line == f"cx-assess: {tmp_path} is a folder: CX_ASSESS_DB must name a database file"


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    line = one_line_error(chat(tmp_path / "nowhere" / "cx.db"))
    assert line.endswith(f"the folder {tmp_path / 'nowhere'} does not exist")


def test_serve_names_a_missing_folder_in_one_line_too(tmp_path: Path) -> None:
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    env["CX_ASSESS_DB"] = str(tmp_path / "nowhere" / "cx.db")  # its serve-lock file too
    line = one_line_error(run("serve", "--http", "--port", "0", env=env))
    assert line.endswith(f"the folder {tmp_path / 'nowhere'} does not exist")


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just words " * 100)
    line = one_line_error(chat(notes))
    assert line.startswith(f"cx-assess: {notes}: not a cx-assess SQLite database")
    assert notes.read_text().startswith("not a database")


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "cx.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    line = one_line_error(chat(db))
    assert "written by a newer cx-assess (schema version 99; this one knows up to" in line


@pytest.fixture
async def slack() -> FakeSlack:
    async with FakeSlack() as fake:
        yield fake


async def test_a_second_server_on_the_same_sqlite_file_refuses_to_start(
    tmp_path: Path, slack: FakeSlack
) -> None:
    first = Server(tmp_path, slack)
    await first.start()
    assert first.proc is not None
    second = await asyncio.to_thread(
        run,
        "serve",
        "--http",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        env={**first.env, "LOG_LEVEL": "INFO"},
    )
    line = one_line_error(second)
    assert line == (
        f"cx-assess: {first.env['CX_ASSESS_DB']} is already served by process {first.proc.pid}:"
        " run one `cx-assess serve` per SQLite file (several instances need PostgreSQL)"
    )
    assert chat(first.env["CX_ASSESS_DB"]).returncode == 0  # other commands are unaffected
    first.kill()  # the lock dies with its holder: no stale lock file stops the next start
    await first.proc.wait()
    third = Server(tmp_path, slack)
    await third.start()
    assert third.proc is not None
    os.kill(third.proc.pid, 9)
    await third.proc.wait()


async def test_a_second_server_on_the_same_postgresql_database_starts(
    tmp_path: Path, slack: FakeSlack, pg_url: str
) -> None:
    first, second = Server(tmp_path, slack), Server(tmp_path, slack)
    for s in (first, second):
        s.env["CX_ASSESS_DB"] = pg_url
    second.log = tmp_path / "second.log"
    await first.start()
    try:
        await second.start()  # healthy: several instances may serve one PostgreSQL database
    finally:
        for s in (first, second):
            if s.proc is not None:
                s.kill()
                await s.proc.wait()


def test_an_unreachable_postgresql_server_is_named_in_one_line_without_its_password() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://cx:s3cret-pw@127.0.0.1:{port}/cx"
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    result = run("serve", "--http", "--port", "0", env={**env, "CX_ASSESS_DB": url})
    line = one_line_error(result)
    assert line.startswith(
        f"cx-assess: postgresql://cx:***@127.0.0.1:{port}/cx: cannot connect to PostgreSQL ("
    )
    assert "s3cret-pw" not in result.stderr
