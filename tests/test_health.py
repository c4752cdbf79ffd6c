"""``GET /healthz`` means it: 200 only while the database takes a write."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app import build_app
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.server import web_app
from bot.storage import Store


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` read-only for this process, also for root (immutable), or the test is skipped."""
    path.chmod(0o444)
    immutable = os.geteuid() == 0 and shutil.which("chattr") is not None
    if immutable:
        immutable = subprocess.run(["chattr", "+i", str(path)], check=False).returncode == 0
    try:
        try:
            path.open("r+b").close()
        except OSError:
            yield
        else:
            pytest.skip("cannot make a file read-only here")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


async def health(store: Store, db_path: str) -> tuple[int, dict[str, object]]:
    settings = Settings(database=db_path, slack_bot_token="xoxb-x", slack_signing_secret="s" * 12)
    app, deps = build_app(settings, load_catalog(), store)
    runner = web.AppRunner(web_app(app, deps))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            return resp.status, await resp.json()
    finally:
        await runner.cleanup()


async def test_healthz_is_503_with_the_reason_while_the_database_is_read_only(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cx.db"
    async with Store.open(str(db)) as store:
        assert await health(store, str(db)) == (200, {"ok": True})
    with read_only(db):
        async with Store.open(str(db)) as store:  # SQLite opens it, read-only, without a word
            status, body = await health(store, str(db))
    assert (status, body) == (503, {"ok": False, "error": "attempt to write a readonly database"})
