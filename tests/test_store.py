"""The store's contract, against a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.answers import AreaAnswer, Mark
from bot.flows.interview import Answer, InterviewState, NotSure, Phase, Start, advance
from bot.frameworks import load_framework
from bot.model import (
    Action,
    FollowupExists,
    Invitee,
    PostKey,
    PostKind,
    PostState,
    RoundAlreadyOpen,
    RoundNotOpen,
    RoundStatus,
)
from bot.storage import DatabaseUnusable, Store
from bot.storage.schema import POSTGRES
from bot.storage.schema import SQLITE as MIGRATIONS
from tests.samples import MINI_YAML


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "cx.db")


@pytest.fixture
def mini(write_framework):
    return load_framework(write_framework())


async def new_round(store: Store, framework, channel: str = "C1", users=("U1", "U2")):
    return await store.create_round(
        team_id="T1",
        channel_id=channel,
        framework=framework,
        started_by="ULEAD",
        participants=[Invitee(u, "en", "Europe/Berlin") for u in users],
        deadline=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
    )


async def test_database_is_migrated_with_wal_and_foreign_keys(db_path: str) -> None:
    async with Store.open(db_path) as store:
        await store.ping()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"rounds", "participants", "answers"} <= tables
    conn.close()
    async with Store.open(db_path) as store:  # reopening does not migrate again
        await store.ping()


async def test_round_keeps_a_snapshot_of_its_framework(db_url, write_framework) -> None:
    path = write_framework()
    async with Store.open(db_url) as store:
        created = await new_round(store, load_framework(path))
    path.write_text(MINI_YAML.replace("Alpha is absent.", "Changed!").replace("version: 1", "x"))
    async with Store.open(db_url) as store:
        found = await store.get_round(created.id)
    assert found is not None
    assert found.framework.area("alpha").levels[1].en == "Alpha is absent."
    assert found.deadline == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert (found.status, found.started_by, found.lang) == (RoundStatus.OPEN, "ULEAD", "en")


async def test_one_open_round_per_channel(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        first = await new_round(store, mini)
        with pytest.raises(RoundAlreadyOpen) as info:
            await new_round(store, mini)
        assert info.value.round_id == first.id
        other = await new_round(store, mini, channel="C2")
        assert other.id != first.id
        await store.finish_round(first.id, RoundStatus.CLOSED, {"schema": 1})
        again = await new_round(store, mini)
        assert (await store.previous_closed_round(again)).id == first.id
        assert [r.id for r in await store.rounds_in_channel("T1", "C1")] == [again.id, first.id]


async def test_progress_is_an_idempotent_upsert(db_path, mini) -> None:
    async with Store.open(db_path) as store:
        r = await new_round(store, mini)
        step = advance(mini, advance(mini, InterviewState(), Start()).state, Answer(2))
        for _ in range(3):  # a replayed input changes nothing
            await store.save_progress(r.id, "U1", step.state, step.changed)
        step2 = advance(mini, step.state, NotSure())
        await store.save_progress(r.id, "U1", step2.state, step2.changed)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1
    conn.close()
    async with Store.open(db_path) as store:
        person = await store.participant(r.id, "U1")
    assert person is not None
    assert person.state.phase is Phase.ASKING and person.state.position == 1  # beta's card
    assert person.state.answer("alpha") == AreaAnswer(current=2, target=Mark.NOT_SURE)


async def test_closed_round_refuses_answers_and_marks_everyone_closed(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        r = await new_round(store, mini)
        await store.finish_round(r.id, RoundStatus.CANCELLED)
        with pytest.raises(RoundNotOpen):
            await store.save_progress(r.id, "U1", InterviewState(phase=Phase.ASKING))
        with pytest.raises(RoundNotOpen):
            await store.finish_round(r.id, RoundStatus.CLOSED)
        people = await store.participants(r.id)
        assert {p.state.phase for p in people} == {Phase.CLOSED}
        assert (await store.get_round(r.id)).status is RoundStatus.CANCELLED


async def test_open_dialogues_of_a_person_most_recent_first(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        a = await new_round(store, mini, channel="CA")
        b = await new_round(store, mini, channel="CB")
        now = datetime.now(UTC)
        await store.save_progress(b.id, "U1", InterviewState(phase=Phase.ASKING), now=now)
        await store.save_progress(
            a.id, "U1", InterviewState(phase=Phase.ASKING), now=now + timedelta(seconds=1)
        )
        dialogues = await store.open_dialogues("U1")
        assert [r.id for r, _ in dialogues] == [a.id, b.id]
        await store.finish_round(a.id, RoundStatus.CLOSED)
        assert [r.id for r, _ in await store.open_dialogues("U1")] == [b.id]


async def test_answers_of_a_round_by_person_and_area(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        r = await new_round(store, mini)
        state = InterviewState(
            phase=Phase.REVIEW,
            answers={"alpha": AreaAnswer(3, 3, None, "note"), "beta": AreaAnswer(Mark.SKIPPED)},
        )
        await store.save_progress(r.id, "U2", state, ("alpha", "beta"))
        assert await store.answers(r.id) == {"U2": dict(state.answers)}
        joined = await store.add_participant(r.id, "U3", "de")
        assert joined.locale == "de" and joined.state.phase is Phase.INVITED


# ---------------------------------------------------------------------- posts (exactly once)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def live(owner: str | None, claimed_at: datetime) -> bool:
    """No attempt is ever over."""
    return False


def gone(owner: str | None, claimed_at: datetime) -> bool:
    """Every attempt is over (its process died)."""
    return True


async def announced_round(store: Store, framework, users=("U1", "U2")):
    return await store.create_round(
        team_id="T1",
        channel_id="C1",
        framework=framework,
        started_by="ULEAD",
        participants=[Invitee(u) for u in users],
        announced=True,
    )


async def test_a_post_is_claimed_by_one_attempt_at_a_time(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        round_ = await announced_round(store, mini)
        key = PostKey(round_.id, PostKind.ANNOUNCEMENT)
        claim = await store.claim_post(key, NOW, "a", live)
        assert claim is not None and not claim.look_first
        assert await store.claim_post(key, NOW, "b", live) is None  # under way
        await store.post_failed(claim, "ratelimited", again=True)
        retry = await store.claim_post(key, NOW + timedelta(minutes=1), "b", live)
        assert retry is not None and not retry.look_first and retry.since == NOW
        assert await store.post_sent(key, "C1", "1.1", NOW)
        assert not await store.post_sent(key, "C1", "1.2", NOW)  # recorded once
        assert await store.claim_post(key, NOW, "c", gone) is None
        found = await store.get_round(round_.id)
        assert found is not None and found.announce_ts == "1.1"


async def test_a_claim_whose_attempt_is_over_is_taken_over_looking_first(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        round_ = await announced_round(store, mini)
        key = PostKey(round_.id, PostKind.ANNOUNCEMENT)
        assert await store.claim_post(key, NOW, "dead", live) is not None
        assert await store.pending_posts(live) == []
        assert await store.pending_posts(gone) == [key]
        later = NOW + timedelta(minutes=5)
        claim = await store.claim_post(key, later, "b", gone)
        assert claim is not None and claim.look_first and claim.since == NOW
        assert await store.renew_claim(claim, later + timedelta(seconds=1)) is not None
        assert await store.renew_claim(claim, later) is None  # no longer this attempt's


async def test_invitations_are_due_once_the_round_is_announced(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        round_ = await announced_round(store, mini)
        announcement = PostKey(round_.id, PostKind.ANNOUNCEMENT)
        assert await store.pending_posts(live) == [announcement]
        await store.post_sent(announcement, "C1", "1.1", NOW)
        invitations = [PostKey(round_.id, PostKind.INVITATION, u) for u in ("U1", "U2")]
        assert await store.pending_posts(live, round_.id) == invitations
        assert await store.post_sent(invitations[0], "DU1", "2.1", NOW)
        person = await store.participant(round_.id, "U1")
        assert person is not None and (person.dm_channel, person.prompt_ts) == ("DU1", "2.1")
        assert person.invited_at == NOW
        await store.finish_round(round_.id, RoundStatus.CLOSED, {}, NOW)
        assert await store.pending_posts(live) == [PostKey(round_.id, PostKind.SUMMARY)]


async def test_a_terminal_round_has_no_posts(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        round_ = await new_round(store, mini)
        await store.finish_round(round_.id, RoundStatus.CLOSED, {}, NOW)
        assert await store.pending_posts(gone) == []
        assert await store.invitations(round_.id) == {}


async def test_a_round_whose_announcement_was_refused_is_deleted(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        round_ = await announced_round(store, mini)
        key = PostKey(round_.id, PostKind.ANNOUNCEMENT)
        claim = await store.claim_post(key, NOW, "a", live)
        assert claim is not None
        await store.discard_round(round_.id)  # not refused: kept
        assert await store.get_round(round_.id) is not None
        await store.post_failed(claim, "not_in_channel", again=False)
        await store.discard_round(round_.id)
        assert await store.get_round(round_.id) is None
        assert await store.open_round("T1", "C1") is None


async def test_a_database_from_before_posts_keeps_what_was_sent(db_path, mini) -> None:
    with sqlite3.connect(db_path) as db:
        for number, script in enumerate(MIGRATIONS[:4], start=1):
            db.executescript(f"{script}\nPRAGMA user_version = {number};")
        stamp = NOW.isoformat()
        db.executemany(
            "INSERT INTO rounds (id, team_id, channel_id, framework_id, framework, started_by,"
            " status, created_at, announce_ts, summary_ts, result)"
            " VALUES (?, 'T1', ?, 'mini', '{}', 'ULEAD', ?, ?, ?, NULL, ?)",
            [(1, "C1", "open", stamp, "1.1", None), (2, "C2", "closed", stamp, "1.2", "{}")],
        )
        db.executemany(
            "INSERT INTO participants (round_id, user_id, updated_at, invited_at, dm_channel)"
            " VALUES (1, ?, ?, ?, ?)",
            [("U1", stamp, stamp, "DU1"), ("U2", stamp, None, None)],
        )
    async with Store.open(db_path) as store:
        assert await store.pending_posts(live) == [
            PostKey(1, PostKind.INVITATION, "U2"),
            PostKey(2, PostKind.SUMMARY),
        ]
        assert {u: s.state for u, s in (await store.invitations(1)).items()} == {
            "U1": PostState.SENT,
            "U2": PostState.DUE,
        }


CARDS_MIGRATION = next(i for i, m in enumerate(MIGRATIONS, 1) if "One card per area" in m)


async def test_a_dialogue_saved_before_cards_resumes_at_the_same_area(db_path, mini) -> None:
    """The cards migration: positions counted questions (current and target per area), now areas."""
    with sqlite3.connect(db_path) as db:
        for number, script in enumerate(MIGRATIONS[: CARDS_MIGRATION - 1], start=1):
            db.executescript(f"{script}\nPRAGMA user_version = {number};")
        stamp = datetime(2026, 11, 25, tzinfo=UTC).isoformat()
        db.execute(
            "INSERT INTO rounds (id, team_id, channel_id, framework_id, framework, started_by,"
            " created_at) VALUES (1, 'T1', 'C1', 'mini', ?, 'ULEAD', ?)",
            (json.dumps(mini.to_dict()), stamp),
        )
        db.execute(
            "INSERT INTO participants (round_id, user_id, phase, position, updated_at)"
            " VALUES (1, 'U1', 'asking', 3, ?)",
            (stamp,),
        )
    async with Store.open(db_path) as store:
        person = await store.participant(1, "U1")
    assert person is not None and person.state.position == 1  # beta's target: beta's card


async def test_a_report_follows_up_actions_open_at_its_close_or_done_since_the_last(
    db_url, mini
) -> None:
    day = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    async with Store.open(db_url) as store:
        first = await new_round(store, mini)
        await store.finish_round(first.id, RoundStatus.CLOSED, {"schema": 3}, day)

        async def add(what: str, done: datetime | None) -> None:
            made = await store.add_action(
                Action(0, "T1", "C1", first.id, mini.id, "alpha", what, "U1", "Ana", None,
                       "ULEAD", day.date(), "U2", day),
                "Europe/Berlin",
            )  # fmt: skip
            if done:
                await store.complete_action(made.id, "U1", done)

        second = await new_round(store, mini)
        await store.finish_round(second.id, RoundStatus.CLOSED, {"schema": 3}, day + timedelta(5))
        await add("done between", day + timedelta(days=2))
        await add("still open", None)
        await add("done after the close", day + timedelta(days=9))
        third = await new_round(store, mini)
        second = await store.get_round(second.id)
        notes = await store.action_notes(third, second.closed_at, day + timedelta(days=7))
        assert [(n.what, n.done) for n in notes] == [
            ("still open", False),
            ("done after the close", False),
        ]  # "done between" was done before the previous round closed
        notes = await store.action_notes(third, None, day + timedelta(days=7))
        assert [(n.what, n.done) for n in notes] == [
            ("done between", True),
            ("still open", False),
            ("done after the close", False),
        ]
        assert await store.action_notes(first, None, day + timedelta(days=7)) == ()


async def test_a_follow_up_updates_its_first_round_and_is_never_a_baseline(db_url, mini) -> None:
    async with Store.open(db_url) as store:
        first = await new_round(store, mini)
        await store.finish_round(first.id, RoundStatus.CLOSED, {"schema": 4, "v": 1})

        async def follow(iteration: int):
            return await store.create_round(
                team_id="T1", channel_id="C1", framework=mini, started_by="ULEAD",
                participants=[Invitee("U1")], followup_of=first.id, iteration=iteration,
            )  # fmt: skip

        second = await follow(2)
        assert (second.followup_of, second.iteration) == (first.id, 2)
        await store.finish_round(second.id, RoundStatus.CANCELLED)
        second = await follow(2)  # a cancelled iteration may be started again
        await store.close_followup(second.id, {"schema": 4}, first.id, {"schema": 4, "v": 2})
        with pytest.raises(FollowupExists):
            await follow(2)
        with pytest.raises(RoundNotOpen):
            await store.close_followup(second.id, {}, first.id, {"v": 3})
        updated = await store.get_round(first.id)
        assert updated is not None and updated.result == {"schema": 4, "v": 2}
        assert [r.id for r in await store.followups(first.id)] == [second.id]
        assert (await store.iteration_round(first.id, 2)) == await store.get_round(second.id)
        assert (await store.iteration_round(first.id, 1)) == updated
        later = await new_round(store, mini)
        baseline = await store.previous_closed_round(later)
        assert baseline is not None and baseline.id == first.id
        listed = await store.closed_rounds_for("T1", "U1")  # App Home's recent summaries
        assert [r.id for r in listed] == [first.id]


async def test_instances_starting_together_on_a_new_postgresql_migrate_it_once(
    pg_empty_url: str,
) -> None:
    async def start() -> int:
        async with Store.open(pg_empty_url) as store:
            async with store.engine.reading() as tx:
                row = await tx.fetchone("SELECT count(*) AS n FROM cx_assess_schema")
            return int(row["n"])

    counts = await asyncio.gather(*(start() for _ in range(4)))
    assert counts == [len(POSTGRES)] * 4  # each migration recorded (and run) once


async def test_a_postgresql_database_of_a_newer_schema_is_refused(pg_empty_url: str) -> None:
    # A database of its own: the newer version it records would refuse every later test.
    async with Store.open(pg_empty_url) as store, store.engine.transaction() as tx:
        await tx.execute("INSERT INTO cx_assess_schema (version) VALUES (?)", (len(POSTGRES) + 5,))
    with pytest.raises(DatabaseUnusable, match="written by a newer cx-assess"):
        async with Store.open(pg_empty_url):
            pass


async def test_an_unreachable_postgresql_is_one_line_without_the_password() -> None:
    url = "postgresql://cx:s3cret@127.0.0.1:1/cx"  # nothing listens on port 1
    with pytest.raises(DatabaseUnusable) as caught:
        async with Store.open(url):
            pass
    message = str(caught.value)
    assert "s3cret" not in message and "cx:***@127.0.0.1:1/cx" in message
    assert "cannot connect to PostgreSQL" in message and "\n" not in message


async def test_the_inbox_forgets_applied_requests_older_than_a_moment_and_keeps_the_rest(
    db_url: str,
) -> None:
    day = datetime(2026, 11, 30, tzinfo=UTC)
    async with Store.open(db_url) as store:
        for hour in range(4):
            when = day + timedelta(hours=hour)
            assert await store.first_time(f"click:{hour}", now=when)  # applied as it is kept
            assert await store.first_time(f"typed:{hour}", {"text": "2"}, now=when)
        await store.mark_done("typed:0")
        await store.forget_requests_before(day + timedelta(hours=2))
        # forgotten: applied and older; a retry of them would count as new
        assert await store.first_time("click:0") and await store.first_time("typed:0")
        assert await store.first_time("click:1")
        # kept: not yet applied (a crash's replay needs it), or not old enough
        assert not await store.first_time("typed:1")
        assert not await store.first_time("click:2") and not await store.first_time("click:3")
        assert [key for key, _ in await store.undone_requests()] == [
            "typed:1",
            "typed:2",
            "typed:3",
        ]


@pytest.mark.sqlite_only
async def test_the_inbox_clean_up_finds_old_requests_by_an_index(db_path: str) -> None:
    """It runs every minute while answers wait for the write lock: on a big inbox a scan of the
    whole table held them up for a fifth of a second each time."""
    async with Store.open(db_path):
        pass
    conn = sqlite3.connect(db_path)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN DELETE FROM seen_requests WHERE seen_at < ? AND done = 1",
        ("2026-11-30T00:00:00+00:00",),
    ).fetchall()
    conn.close()
    assert any("USING INDEX seen_requests_by_age" in row[-1] for row in plan), plan
