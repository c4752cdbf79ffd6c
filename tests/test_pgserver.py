"""The throwaway PostgreSQL server of tests/pgserver.py, through the pg_server and pg_empty_url fixtures."""

from __future__ import annotations

import asyncpg

from tests.pgserver import PgServer


async def test_pg_url_is_a_database_that_stores_and_returns_rows(pg_empty_url: str) -> None:
    conn = await asyncpg.connect(pg_empty_url)
    try:
        await conn.execute("CREATE TABLE answers (id serial PRIMARY KEY, level int NOT NULL)")
        await conn.executemany("INSERT INTO answers (level) VALUES ($1)", [(3,), (5,)])
        rows = await conn.fetch("SELECT id, level FROM answers ORDER BY id")
        assert [tuple(row) for row in rows] == [(1, 3), (2, 5)]
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        assert await conn.fetchval("SHOW fsync") == "off"
        assert await conn.fetchval("SHOW max_connections") == "200"
    finally:
        await conn.close()


async def test_each_fresh_database_is_separate_and_empty(
    pg_server: PgServer, pg_empty_url: str
) -> None:
    other_url = pg_server.fresh_database()
    assert other_url != pg_empty_url
    first = await asyncpg.connect(pg_empty_url)
    other = await asyncpg.connect(other_url)
    try:
        await first.execute("CREATE TABLE only_here (id int)")
        tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        assert await first.fetchval(tables) == 1
        assert await other.fetchval(tables) == 0
        assert await other.fetchval("SELECT current_database()") != await first.fetchval(
            "SELECT current_database()"
        )
    finally:
        await first.close()
        await other.close()


async def test_a_durable_server_flushes_every_commit_to_disk() -> None:
    with PgServer(durable=True) as server:
        conn = await asyncpg.connect(server.url)
        try:
            settings = [
                await conn.fetchval(f"SHOW {name}")
                for name in ("fsync", "synchronous_commit", "full_page_writes")
            ]
            assert settings == ["on", "on", "on"]
        finally:
            await conn.close()
