"""`cx-assess db copy`: a SQLite database filled through the store, to PostgreSQL and back."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import redirect_stderr
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.answers import AreaAnswer, Mark
from bot.cli import main
from bot.flows.interview import InterviewState, Phase
from bot.frameworks import Framework, load_framework
from bot.model import Action, Invitee, PostKey, PostKind, RoundStatus, Schedule
from bot.serving_lock import serving_lock
from bot.storage import Store
from bot.storage.copy import CopyRefused, copy_database
from bot.storage.schema import TABLES

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
USERS = ("U3", "U1", "U2")  # added in this order, which is not the order of their ids


def live(owner: str | None, claimed_at: datetime) -> bool:
    return False


@pytest.fixture
def mini(write_framework) -> Framework:
    return load_framework(write_framework())


async def fill(store: Store, mini: Framework) -> None:
    """A bit of everything the app stores, written through the store."""
    first = await store.create_round(
        team_id="T1", channel_id="C1", framework=mini, started_by="ULEAD",
        participants=[Invitee(u, "en", "Europe/Berlin") for u in USERS],
        deadline=NOW + timedelta(days=7), min_responses=2, now=NOW, announced=True,
    )  # fmt: skip
    announcement = PostKey(first.id, PostKind.ANNOUNCEMENT)
    assert await store.claim_post(announcement, NOW, "p1", live)
    await store.post_sent(announcement, "C1", "1.1", NOW)
    assert await store.claim_post(PostKey(first.id, PostKind.INVITATION, "U1"), NOW, "p1", live)
    await store.post_sent(PostKey(first.id, PostKind.INVITATION, "U1"), "DU1", "2.1", NOW)
    for user, again in (("U2", True), ("U3", False)):
        claim = await store.claim_post(PostKey(first.id, PostKind.INVITATION, user), NOW, "p", live)
        assert claim is not None
        await store.post_failed(claim, "ratelimited" if again else "cannot_dm_bot", again=again)
    answers = {
        "alpha": AreaAnswer(3, 4, 2, "we measure it weekly"),
        "beta": AreaAnswer(Mark.NOT_SURE, Mark.SKIPPED, None, "ask ops"),
    }
    await store.save_progress(
        first.id, "U1", InterviewState(Phase.FINISHED, 2, False, answers), ("alpha", "beta"), NOW
    )
    await store.record_prompt(first.id, "U2", "DU2", "3.1", "alpha", "current", NOW)
    await store.snooze(first.id, "U2", NOW + timedelta(hours=3))
    await store.add_participant(first.id, "U0", "de", NOW)
    await store.first_time("event:1", None, NOW)
    await store.first_time("event:2", {"text": "3"}, NOW)
    await store.finish_round(first.id, RoundStatus.CLOSED, {"schema": 4, "v": 1}, NOW)
    await store.add_discussion(first.id, "beta", 1, "C1", "4.1")
    assert await store.keep_discussion_reply("T1", "C1", "4.1", "4.2", "U2", "we disagree", NOW)
    await store.add_action(
        Action(0, "T1", "C1", first.id, mini.id, "alpha", "weekly review", "U1", "Ana",
               "Europe/Berlin", "ULEAD", date(2026, 12, 20), "ULEAD", NOW),
        "Europe/Madrid",
    )  # fmt: skip
    await store.set_schedule(
        Schedule("T1", "C1", mini.id, "ULEAD", None, ("U1", "U2"), "es", 2, 5, "month",
                 NOW + timedelta(days=30), NOW)
    )  # fmt: skip
    followup = await store.create_round(
        team_id="T1", channel_id="C1", framework=mini, started_by="ULEAD",
        participants=[Invitee("U1")], now=NOW, followup_of=first.id, iteration=2,
    )  # fmt: skip
    await store.save_progress(
        followup.id, "U1", InterviewState(Phase.ASKING, 1, True, {"alpha": AreaAnswer(2)}),
        ("alpha",), NOW + timedelta(minutes=5),
    )  # fmt: skip
    other = await store.create_round(
        team_id="T1", channel_id="C2", framework=mini, started_by="U2",
        participants=[Invitee("U1")], lang="de", now=NOW,
    )  # fmt: skip
    await store.save_progress(other.id, "U1", InterviewState(Phase.ASKING), (), NOW)


async def everything(store: Store) -> dict[str, Any]:
    """All that `fill` stored, read back through the store."""
    rounds = [await store.get_round(n) for n in range(1, 5)]
    ids = [r.id for r in rounds if r is not None]
    return {
        "rounds": rounds,
        "participants": [await store.participants(n) for n in ids],
        "answers": [await store.answers(n) for n in ids],
        "invitations": [await store.invitations(n) for n in ids],
        "discussions": [await store.discussions(n) for n in ids],
        "pending": await store.pending_posts(live),
        "dialogues": [await store.open_dialogues(u) for u in ("U0", *USERS)],
        "actions": await store.channel_actions("T1", "C1"),
        "schedule": await store.schedule("T1", "C1"),
        "requests": await store.undone_requests(),
    }


async def filled(path: Path, mini: Framework) -> dict[str, Any]:
    """Fill a SQLite file, with one answer stored as an integer as before 2026-12."""
    async with Store.open(str(path)) as store:
        await fill(store, mini)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE answers SET current = 3 WHERE round_id = 1 AND area_id = 'alpha'")
        kinds = db.execute("SELECT typeof(current) FROM answers WHERE area_id = 'alpha'")
        assert {kind for (kind,) in kinds} == {"integer", "text"}
    async with Store.open(str(path)) as store:
        return await everything(store)


async def copied(source: str, target: str) -> list[tuple[str, int, int]]:
    async with Store.open(source) as reading, Store.open(target) as writing:
        counts = await copy_database(reading, writing, chunk=2)  # several chunks per table
    return [(c.table, c.source, c.target) for c in counts]


async def test_a_copy_to_postgresql_and_back_keeps_everything(
    tmp_path: Path, pg_empty_url: str, mini: Framework
) -> None:
    source, back = tmp_path / "cx.db", tmp_path / "back.db"
    original = await filled(source, mini)
    counts = await copied(str(source), pg_empty_url)
    assert [table for table, _, _ in counts] == [table for table, _ in TABLES]
    assert all(s == t for _, s, t in counts)
    assert dict((t, s) for t, s, _ in counts)["answers"] == 3
    async with Store.open(pg_empty_url) as store:
        assert await everything(store) == original
    assert all(s == t for _, s, t in await copied(pg_empty_url, str(back)))
    async with Store.open(str(back)) as store:
        assert await everything(store) == original


async def test_new_rows_after_a_copy_to_postgresql_get_new_ids(
    tmp_path: Path, pg_empty_url: str, mini: Framework
) -> None:
    await filled(tmp_path / "cx.db", mini)
    await copied(str(tmp_path / "cx.db"), pg_empty_url)
    async with Store.open(pg_empty_url) as store:
        made = await store.create_round(
            team_id="T1", channel_id="C9", framework=mini, started_by="ULEAD",
            participants=[Invitee("U1"), Invitee("U2")], announced=True,
        )  # fmt: skip
        assert made.id == 4
        assert [p.user_id for p in await store.participants(1)] == ["U3", "U1", "U2", "U0"]
        old = await store.action(1)
        assert old is not None
        assert (await store.add_action(old, None)).id == 2
        assert await store.first_time("event:3")


async def test_a_target_with_rows_is_refused_and_left_as_it_was(
    tmp_path: Path, pg_url: str, mini: Framework
) -> None:
    await filled(tmp_path / "cx.db", mini)
    async with Store.open(pg_url) as store:
        await store.first_time("event:other")
        before = await everything(store)
    with pytest.raises(CopyRefused) as refused:
        await copied(str(tmp_path / "cx.db"), pg_url)
    assert str(refused.value) == (
        f"{pg_url} is not empty (its seen_requests table has rows): copy into a new database"
    )
    async with Store.open(pg_url) as store:
        assert await everything(store) == before
        assert await store.get_round(1) is None


def test_the_command_prints_the_counts_of_each_table(tmp_path: Path, mini: Framework) -> None:
    asyncio.run(filled(tmp_path / "cx.db", mini))
    out = io.StringIO()
    target = f"sqlite:///{tmp_path}/b.db"
    assert main(["db", "copy", str(tmp_path / "cx.db"), target], out) == 0
    header, *rows, last = out.getvalue().splitlines()
    assert header.split() == ["TABLE", "SOURCE", "TARGET"]
    assert [row.split()[0] for row in rows] == [table for table, _ in TABLES]
    assert rows[2].split() == ["answers", "3", "3"]
    assert last == f"Copied {sum(int(row.split()[2]) for row in rows)} rows to {target}."


def test_the_command_refuses_a_served_database(tmp_path: Path) -> None:
    source = tmp_path / "cx.db"
    sqlite3.connect(source).close()
    with serving_lock(str(source)), redirect_stderr(io.StringIO()) as err:
        code = main(["db", "copy", str(source), str(tmp_path / "b.db")], io.StringIO())
    assert code == 1
    assert err.getvalue() == (
        f"cx-assess: {source} is served by process {os.getpid()}: stop it before copying\n"
    )


def test_the_command_refuses_a_target_that_is_not_empty(tmp_path: Path, mini: Framework) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    asyncio.run(filled(source, mini))
    shutil.copy(source, target)
    before = target.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "copy", str(source), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"cx-assess: {target} is not empty (its rounds table has rows): copy into a new database\n"
    )
    assert target.read_bytes() == before
