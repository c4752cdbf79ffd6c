"""All SQL lives here: rounds, participants and their dialogue state, answers (aiosqlite).

Durability: WAL journal with ``synchronous=FULL`` (every commit is on disk before it returns, so
an answer acknowledged to a person survives a ``kill -9`` or power loss), a busy timeout for
concurrent writers, foreign keys on. Schema changes are migrations keyed by ``PRAGMA
user_version``. Every mutating method is one transaction.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.analysis import ActionNote
from bot.answers import AreaAnswer, Mark, Reply
from bot.flows.interview import InterviewState, Phase
from bot.frameworks import Framework, parse_framework
from bot.model import (
    Action,
    AttemptOver,
    Claim,
    Discussion,
    DiscussionReply,
    FollowupExists,
    Invitee,
    Participant,
    PostKey,
    PostKind,
    PostState,
    PostStatus,
    PromptRef,
    Round,
    RoundAlreadyOpen,
    RoundNotOpen,
    RoundStatus,
    Schedule,
)

BUSY_TIMEOUT_MS = 5000

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        framework_id TEXT NOT NULL,
        framework TEXT NOT NULL,              -- JSON snapshot of the framework at start
        started_by TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
        lang TEXT NOT NULL DEFAULT 'en',
        min_responses INTEGER,
        deadline TEXT,                        -- ISO 8601, UTC
        created_at TEXT NOT NULL,
        closed_at TEXT,
        result TEXT                           -- JSON report written at close
    );
    CREATE UNIQUE INDEX rounds_one_open_per_channel
        ON rounds (team_id, channel_id) WHERE status = 'open';
    CREATE INDEX rounds_by_channel ON rounds (team_id, channel_id, id);

    CREATE TABLE participants (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        locale TEXT NOT NULL DEFAULT 'en',
        phase TEXT NOT NULL DEFAULT 'invited',
        position INTEGER NOT NULL DEFAULT 0,
        editing INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round_id, user_id)
    );
    CREATE INDEX participants_by_user ON participants (user_id, phase);

    CREATE TABLE answers (
        round_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        area_id TEXT NOT NULL,
        current,                              -- level (INTEGER), 'not_sure' or 'skipped'
        target,
        importance,
        comment TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round_id, user_id, area_id),
        FOREIGN KEY (round_id, user_id) REFERENCES participants (round_id, user_id)
            ON DELETE CASCADE
    );
    """,
    """
    ALTER TABLE rounds ADD COLUMN announce_ts TEXT;  -- the channel message that announced it
    ALTER TABLE participants ADD COLUMN tz TEXT;
    ALTER TABLE participants ADD COLUMN dm_channel TEXT;
    ALTER TABLE participants ADD COLUMN invited_at TEXT;   -- NULL until the invitation was sent
    ALTER TABLE participants ADD COLUMN prompt_ts TEXT;    -- the latest prompt message in the DM
    ALTER TABLE participants ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE participants ADD COLUMN reminded_at TEXT;

    -- Every question message, so that a reply in its thread becomes a comment on its area.
    CREATE TABLE prompt_messages (
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,
        round_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        area_id TEXT,
        ask TEXT,
        PRIMARY KEY (channel_id, ts),
        FOREIGN KEY (round_id, user_id) REFERENCES participants (round_id, user_id)
            ON DELETE CASCADE
    );
    """,
    """
    -- Requests already handled (event ids, command trigger ids): Slack's retries are dropped.
    CREATE TABLE seen_requests (key TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
    """,
    """
    ALTER TABLE participants ADD COLUMN prompted_at TEXT;  -- when the latest prompt was sent
    ALTER TABLE rounds ADD COLUMN summary_ts TEXT;         -- set once the summary is posted
    -- A typed answer is stored here before Slack gets its 200; `done` once it was applied.
    ALTER TABLE seen_requests ADD COLUMN payload TEXT;
    ALTER TABLE seen_requests ADD COLUMN done INTEGER NOT NULL DEFAULT 1;
    """,
    """
    ALTER TABLE participants ADD COLUMN snooze_until TEXT;  -- the clock reminds the person then
    ALTER TABLE rounds ADD COLUMN lead_told_done_at TEXT;   -- when the lead heard all finished
    """,
    """
    -- Every post with consequences, claimed before it is sent: due -> claimed -> sent (or
    -- refused for good). A claim whose attempt is over (older than the lease, or its process
    -- died) and that is still not sent: the message is looked for before it is posted again.
    CREATE TABLE posts (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('announcement', 'invitation', 'summary')),
        user_id TEXT NOT NULL DEFAULT '',     -- the invitee; '' for channel posts
        state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'claimed', 'sent', 'refused')),
        claimed_at TEXT,                      -- the latest attempt's start
        claimed_by TEXT,                      -- the latest attempt's process
        first_claimed_at TEXT,                -- look for the message from here on
        nonce TEXT,                           -- in the message's metadata: finds this very post
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,                           -- Slack's answer to the latest failed attempt
        channel_id TEXT,
        ts TEXT,
        PRIMARY KEY (round_id, kind, user_id)
    );
    CREATE INDEX posts_pending ON posts (state) WHERE state IN ('due', 'claimed');
    -- Rounds from before: what they sent, and what is still to send.
    INSERT INTO posts (round_id, kind, state, channel_id, ts)
        SELECT id, 'announcement', 'sent', channel_id, announce_ts FROM rounds
        WHERE announce_ts IS NOT NULL;
    INSERT INTO posts (round_id, kind, user_id, state, channel_id)
        SELECT p.round_id, 'invitation', p.user_id,
               CASE WHEN p.invited_at IS NULL THEN 'due' ELSE 'sent' END, p.dm_channel
        FROM participants p JOIN rounds r ON r.id = p.round_id WHERE r.announce_ts IS NOT NULL;
    INSERT INTO posts (round_id, kind, state, channel_id, ts)
        SELECT id, 'summary', CASE WHEN summary_ts IS NULL THEN 'due' ELSE 'sent' END,
               channel_id, summary_ts FROM rounds
        WHERE announce_ts IS NOT NULL AND status = 'closed';
    """,
    """
    -- One card per area: a dialogue's position counts areas, no longer questions
    -- (1 + ask_target + ask_importance questions per area before).
    UPDATE participants SET position = position / (
        SELECT 1 + (CASE WHEN coalesce(json_extract(r.framework, '$.ask_target'), 1) THEN 1 ELSE 0 END)
                 + (CASE WHEN coalesce(json_extract(r.framework, '$.ask_importance'), 0) THEN 1 ELSE 0 END)
        FROM rounds r WHERE r.id = participants.round_id);
    """,
    """
    -- The action plan: roadmap items someone took on (bot/plan.py).
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        round_id INTEGER NOT NULL REFERENCES rounds (id),  -- the summary it was made from
        framework_id TEXT NOT NULL,
        area_id TEXT NOT NULL,
        what TEXT NOT NULL,
        owner TEXT NOT NULL,
        owner_name TEXT NOT NULL,
        owner_tz TEXT,
        lead TEXT NOT NULL,                   -- the round's lead: may mark it done, gets digests
        due TEXT NOT NULL,                    -- YYYY-MM-DD, a day in the owner's calendar
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_by TEXT,
        done_at TEXT,                         -- NULL while open
        reminded_at TEXT                      -- the owner's DM on the due date
    );
    CREATE INDEX actions_by_channel ON actions (team_id, channel_id, framework_id);
    CREATE INDEX actions_by_owner ON actions (team_id, owner, done_at);
    CREATE INDEX actions_open_by_due ON actions (due) WHERE done_at IS NULL;
    -- The weekly digest of overdue actions, per lead.
    CREATE TABLE action_digests (
        team_id TEXT NOT NULL,
        lead TEXT NOT NULL,
        tz TEXT,
        sent_at TEXT,
        PRIMARY KEY (team_id, lead)
    );
    -- Recurring rounds: at most one schedule per channel.
    CREATE TABLE schedules (
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        framework_id TEXT NOT NULL,
        lead TEXT NOT NULL,
        lead_tz TEXT,
        users TEXT NOT NULL,                  -- JSON list; [] = the channel's members at each run
        lang TEXT NOT NULL,
        min_responses INTEGER,
        deadline_days INTEGER,                -- a run's deadline: this many days after it starts
        cadence TEXT NOT NULL,                -- quarter, month or Nw
        next_run TEXT NOT NULL,               -- ISO 8601, UTC
        created_at TEXT NOT NULL,
        PRIMARY KEY (team_id, channel_id)
    );
    """,
    """
    -- Discussion threads (bot/discussion.py): one channel message per disagreement shown at
    -- close, and what people write in its thread (with who wrote it: not anonymous).
    CREATE TABLE discussions (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        area_id TEXT NOT NULL,
        position INTEGER NOT NULL,            -- its place among the summary's disagreements
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,                     -- the message whose thread is the discussion
        PRIMARY KEY (round_id, area_id)
    );
    CREATE UNIQUE INDEX discussions_by_thread ON discussions (channel_id, ts);
    CREATE TABLE discussion_replies (
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,
        thread_ts TEXT NOT NULL,
        user_id TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (channel_id, ts),
        FOREIGN KEY (channel_id, thread_ts) REFERENCES discussions (channel_id, ts)
            ON DELETE CASCADE
    );
    """,
    """
    -- Delphi follow-ups: a round that re-asks a closed round's disagreements (bot/delphi.py).
    ALTER TABLE rounds ADD COLUMN followup_of INTEGER REFERENCES rounds (id);  -- the first round
    ALTER TABLE rounds ADD COLUMN iteration INTEGER NOT NULL DEFAULT 1;
    CREATE UNIQUE INDEX rounds_one_followup_per_iteration
        ON rounds (followup_of, iteration) WHERE status != 'cancelled';
    """,
)


# A discussion thread (``channel_id``, ``ts`` as parameters) whose round's channel has not
# started another round of the framework since (a Delphi follow-up is not one): what is written
# there is kept.
_OPEN_THREAD = (
    "SELECT 1 FROM discussions d JOIN rounds r ON r.id = d.round_id"
    " WHERE d.channel_id = ? AND d.ts = ? AND NOT EXISTS (SELECT 1 FROM rounds n"
    " WHERE n.team_id = r.team_id AND n.channel_id = r.channel_id"
    " AND n.framework_id = r.framework_id AND n.id > r.id AND n.followup_of IS NULL)"
)


class DatabaseUnusable(Exception):
    """The database cannot be opened as it is; the message says why, for the operator."""


def utcnow() -> datetime:
    """The current time in UTC (the shell's clock; the core takes time as an argument)."""
    return datetime.now(UTC)


class Store:
    """An open database. Use `Store.open` (an async context manager)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._snapshots: dict[int, Framework] = {}  # a round's snapshot never changes
        self._writing = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str) -> AsyncIterator[Store]:
        """Open (creating or migrating) the database at ``path``.

        `DatabaseUnusable` says what is wrong with a path that is a folder, a file that is not
        SQLite, a missing folder, or a database written by a newer version of cx-assess.
        """
        _check_path(path)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseUnusable(f"{path}: cannot open the database ({exc})") from None
        try:
            db.row_factory = sqlite3.Row
            store = cls(db)
            try:
                for pragma in (
                    "journal_mode = WAL",
                    "synchronous = FULL",
                    f"busy_timeout = {BUSY_TIMEOUT_MS}",
                    "foreign_keys = ON",
                ):
                    await db.execute(f"PRAGMA {pragma}")
                await store._migrate(path)
            except sqlite3.DatabaseError as exc:
                raise DatabaseUnusable(f"{path}: not a cx-assess SQLite database ({exc})") from None
            yield store
        finally:
            await db.close()

    async def _migrate(self, path: str) -> None:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise DatabaseUnusable(
                f"{path}: written by a newer cx-assess (schema version {version}; this one knows"
                f" up to {len(MIGRATIONS)}): upgrade cx-assess or use another database"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection."""
        async with self._writing:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def first_time(
        self, key: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> bool:
        """Record a request key; False when it was recorded before (a retry or a replay).

        With a ``payload`` the request is kept, undone, until `mark_done`: after a crash,
        `undone_requests` gives back what was acknowledged but not yet applied.
        """
        async with self._transaction() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO seen_requests (key, seen_at, payload, done)"
                " VALUES (?, ?, ?, ?)",
                (
                    key,
                    _iso(now or utcnow()),
                    json.dumps(payload) if payload is not None else None,
                    int(payload is None),
                ),
            )
            return cur.rowcount == 1

    async def mark_done(self, key: str) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE seen_requests SET done = 1 WHERE key = ?", (key,))

    async def undone_requests(self) -> list[tuple[str, dict[str, Any]]]:
        """Requests acknowledged but not applied (the process died in between), oldest first."""
        async with self._db.execute(
            "SELECT key, payload FROM seen_requests WHERE done = 0 ORDER BY seen_at, rowid"
        ) as cur:
            return [(row["key"], json.loads(row["payload"])) for row in await cur.fetchall()]

    async def forget_requests_before(self, moment: datetime) -> None:
        """Drop request keys older than ``moment`` (Slack retries within minutes)."""
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM seen_requests WHERE seen_at < ? AND done = 1", (_iso(moment),)
            )

    async def ping(self) -> None:
        """Raise `sqlite3.Error` unless the database takes a write: a row written and removed in
        one committed transaction (a read-only file or a full disk fails it)."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO seen_requests (key, seen_at) VALUES ('healthz', ?)",
                (_iso(utcnow()),),
            )
            await db.execute("DELETE FROM seen_requests WHERE key = 'healthz'")

    # ------------------------------------------------------------------ rounds

    async def create_round(
        self,
        *,
        team_id: str,
        channel_id: str,
        framework: Framework,
        started_by: str,
        participants: Iterable[Invitee],
        lang: str = "en",
        deadline: datetime | None = None,
        min_responses: int | None = None,
        now: datetime | None = None,
        announced: bool = False,
        followup_of: int | None = None,
        iteration: int = 1,
    ) -> Round:
        """Open a round with its participants in one transaction.

        ``announced``: a Slack round, whose announcement and invitations are due from now on
        (and its summary once it closes); a terminal round has none. ``followup_of`` and
        ``iteration``: a Delphi follow-up (`FollowupExists` when that iteration exists).
        """
        now = now or utcnow()
        people = list(participants)
        async with self._transaction() as db:
            existing = await self._open_round_id(team_id, channel_id)
            if existing is not None:
                raise RoundAlreadyOpen(existing)
            if followup_of is not None and await self._followup_exists(followup_of, iteration):
                raise FollowupExists(followup_of)
            cur = await db.execute(
                "INSERT INTO rounds (team_id, channel_id, framework_id, framework, started_by,"
                " lang, min_responses, deadline, created_at, followup_of, iteration)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    team_id,
                    channel_id,
                    framework.id,
                    json.dumps(framework.to_dict(), ensure_ascii=False),
                    started_by,
                    lang,
                    min_responses,
                    _iso(deadline),
                    _iso(now),
                    followup_of,
                    iteration,
                ),
            )
            round_id = cur.lastrowid
            assert round_id is not None
            await db.executemany(
                "INSERT OR IGNORE INTO participants (round_id, user_id, locale, tz, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(round_id, p.user_id, p.locale, p.tz, _iso(now)) for p in people],
            )
            if announced:
                await db.executemany(
                    "INSERT OR IGNORE INTO posts (round_id, kind, user_id) VALUES (?, ?, ?)",
                    [(round_id, PostKind.ANNOUNCEMENT.value, "")]
                    + [(round_id, PostKind.INVITATION.value, p.user_id) for p in people],
                )
        found = await self.get_round(round_id)
        assert found is not None
        return found

    async def _open_round_id(self, team_id: str, channel_id: str) -> int | None:
        async with self._db.execute(
            "SELECT id FROM rounds WHERE team_id = ? AND channel_id = ? AND status = 'open'",
            (team_id, channel_id),
        ) as cur:
            row = await cur.fetchone()
        return int(row["id"]) if row else None

    async def get_round(self, round_id: int) -> Round | None:
        async with self._db.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)) as cur:
            row = await cur.fetchone()
        return self._round(row) if row else None

    async def open_round(self, team_id: str, channel_id: str) -> Round | None:
        """The channel's open round, if any."""
        round_id = await self._open_round_id(team_id, channel_id)
        return await self.get_round(round_id) if round_id is not None else None

    async def rounds_in_channel(
        self, team_id: str, channel_id: str, limit: int = 20
    ) -> list[Round]:
        """The channel's rounds, newest first."""
        async with self._db.execute(
            "SELECT * FROM rounds WHERE team_id = ? AND channel_id = ? ORDER BY id DESC LIMIT ?",
            (team_id, channel_id, limit),
        ) as cur:
            return [self._round(row) for row in await cur.fetchall()]

    async def previous_closed_round(self, current: Round) -> Round | None:
        """The channel's last closed round of the same framework before ``current`` (follow-ups
        left out: their result is in the round they follow up)."""
        async with self._db.execute(
            "SELECT * FROM rounds WHERE team_id = ? AND channel_id = ? AND framework_id = ?"
            " AND status = 'closed' AND followup_of IS NULL AND id < ? ORDER BY id DESC LIMIT 1",
            (current.team_id, current.channel_id, current.framework.id, current.id),
        ) as cur:
            row = await cur.fetchone()
        return self._round(row) if row else None

    async def finish_round(
        self,
        round_id: int,
        status: RoundStatus,
        result: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Close or cancel an open round, storing its report; `RoundNotOpen` if it is not open.

        Closing an announced round makes its summary due, in the same transaction.
        """
        async with self._transaction() as db:
            await self._finish(db, round_id, status, result, now)

    async def close_followup(
        self,
        round_id: int,
        result: dict[str, Any],
        parent_id: int,
        parent_result: dict[str, Any],
        now: datetime | None = None,
    ) -> None:
        """Close a Delphi follow-up and update the round it follows up with the agreed levels,
        in one transaction; `RoundNotOpen` if the follow-up is not open."""
        async with self._transaction() as db:
            await self._finish(db, round_id, RoundStatus.CLOSED, result, now)
            await db.execute(
                "UPDATE rounds SET result = ? WHERE id = ?",
                (json.dumps(parent_result, ensure_ascii=False), parent_id),
            )

    async def _finish(
        self,
        db: aiosqlite.Connection,
        round_id: int,
        status: RoundStatus,
        result: dict[str, Any] | None,
        now: datetime | None,
    ) -> None:
        cur = await db.execute(
            "UPDATE rounds SET status = ?, closed_at = ?, result = ? WHERE id = ? AND status = 'open'",
            (
                status.value,
                _iso(now or utcnow()),
                json.dumps(result, ensure_ascii=False) if result is not None else None,
                round_id,
            ),
        )
        if cur.rowcount != 1:
            raise RoundNotOpen(f"round {round_id} is not open")
        await db.execute(
            "UPDATE participants SET phase = ? WHERE round_id = ?",
            (Phase.CLOSED.value, round_id),
        )
        if status is RoundStatus.CLOSED:
            await db.execute(
                "INSERT OR IGNORE INTO posts (round_id, kind) SELECT ?, ? WHERE EXISTS"
                " (SELECT 1 FROM posts WHERE round_id = ? AND kind = ?)",
                (round_id, PostKind.SUMMARY.value, round_id, PostKind.ANNOUNCEMENT.value),
            )

    async def _followup_exists(self, followup_of: int, iteration: int) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM rounds WHERE followup_of = ? AND iteration = ? AND status != 'cancelled'",
            (followup_of, iteration),
        ) as cur:
            return await cur.fetchone() is not None

    async def iteration_round(self, first_id: int, iteration: int) -> Round | None:
        """Iteration ``iteration`` of round ``first_id``'s Delphi follow-up (1: the round itself)."""
        if iteration == 1:
            return await self.get_round(first_id)
        async with self._db.execute(
            "SELECT * FROM rounds WHERE followup_of = ? AND iteration = ? AND status != 'cancelled'",
            (first_id, iteration),
        ) as cur:
            row = await cur.fetchone()
        return self._round(row) if row else None

    async def followups(self, round_id: int) -> list[Round]:
        """The Delphi follow-ups of ``round_id`` that were not cancelled, by iteration."""
        async with self._db.execute(
            "SELECT * FROM rounds WHERE followup_of = ? AND status != 'cancelled'"
            " ORDER BY iteration",
            (round_id,),
        ) as cur:
            return [self._round(row) for row in await cur.fetchall()]

    async def discard_round(self, round_id: int) -> None:
        """Delete a round nobody ever heard of: its announcement was refused for good."""
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM rounds WHERE id = ? AND EXISTS (SELECT 1 FROM posts"
                " WHERE round_id = ? AND kind = ? AND state = 'refused')",
                (round_id, round_id, PostKind.ANNOUNCEMENT.value),
            )

    def _round(self, row: sqlite3.Row) -> Round:
        round_id = int(row["id"])
        framework = self._snapshots.get(round_id)
        if framework is None:
            framework = parse_framework(json.loads(row["framework"]), f"round {round_id} snapshot")
            self._snapshots[round_id] = framework
        created = _datetime(row["created_at"])
        assert created is not None
        return Round(
            id=round_id,
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            framework=framework,
            started_by=row["started_by"],
            status=RoundStatus(row["status"]),
            lang=row["lang"],
            min_responses=row["min_responses"],
            deadline=_datetime(row["deadline"]),
            created_at=created,
            closed_at=_datetime(row["closed_at"]),
            result=json.loads(row["result"]) if row["result"] else None,
            announce_ts=row["announce_ts"],
            summary_ts=row["summary_ts"],
            followup_of=row["followup_of"],
            iteration=row["iteration"],
        )

    # ------------------------------------------------------------------ participants

    async def participant(self, round_id: int, user_id: str) -> Participant | None:
        """One person's dialogue state with all their answers."""
        async with self._db.execute(
            "SELECT * FROM participants WHERE round_id = ? AND user_id = ?", (round_id, user_id)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        answers = await self._answers(round_id, user_id)
        return _participant(row, answers.get(user_id, {}))

    async def participants(self, round_id: int) -> list[Participant]:
        """Everyone in the round, with their answers, in the order they were added."""
        answers = await self._answers(round_id)
        async with self._db.execute(
            "SELECT * FROM participants WHERE round_id = ? ORDER BY rowid", (round_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [_participant(row, answers.get(row["user_id"], {})) for row in rows]

    async def add_participant(
        self, round_id: int, user_id: str, locale: str = "en", now: datetime | None = None
    ) -> Participant:
        """Add a person to an open round (no-op when already in it) and return them."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO participants (round_id, user_id, locale, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (round_id, user_id, locale, _iso(now or utcnow())),
            )
        person = await self.participant(round_id, user_id)
        assert person is not None
        return person

    async def answers(self, round_id: int) -> dict[str, dict[str, AreaAnswer]]:
        """Every answer of the round: user id -> area id -> answer."""
        return await self._answers(round_id)

    async def _answers(
        self, round_id: int, user_id: str | None = None
    ) -> dict[str, dict[str, AreaAnswer]]:
        sql = "SELECT * FROM answers WHERE round_id = ?"
        params: tuple[Any, ...] = (round_id,)
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        result: dict[str, dict[str, AreaAnswer]] = {}
        async with self._db.execute(sql, params) as cur:
            async for row in cur:
                result.setdefault(row["user_id"], {})[row["area_id"]] = AreaAnswer(
                    current=_reply(row["current"]),
                    target=_reply(row["target"]),
                    importance=_reply(row["importance"]),
                    comment=row["comment"],
                )
        return result

    async def save_progress(
        self,
        round_id: int,
        user_id: str,
        state: InterviewState,
        changed: Sequence[str] = (),
        now: datetime | None = None,
    ) -> None:
        """Persist a dialogue step: the state and the changed areas' answers, atomically.

        Answers are upserts keyed by (round, participant, area): replaying a step changes
        nothing. Refused with `RoundNotOpen` once the round is closed.
        """
        stamp = _iso(now or utcnow())
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE participants SET phase = ?, position = ?, editing = ?, updated_at = ?"
                " WHERE round_id = ? AND user_id = ?"
                " AND (SELECT status FROM rounds WHERE id = ?) = 'open'",
                (
                    state.phase.value,
                    state.position,
                    int(state.editing),
                    stamp,
                    round_id,
                    user_id,
                    round_id,
                ),
            )
            if cur.rowcount != 1:
                raise RoundNotOpen(f"round {round_id} is not open (or {user_id} is not in it)")
            await db.executemany(
                "INSERT INTO answers (round_id, user_id, area_id, current, target, importance,"
                " comment, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (round_id, user_id, area_id) DO UPDATE SET"
                " current = excluded.current, target = excluded.target,"
                " importance = excluded.importance, comment = excluded.comment,"
                " updated_at = excluded.updated_at",
                [
                    (
                        round_id,
                        user_id,
                        area_id,
                        _stored(answer.current),
                        _stored(answer.target),
                        _stored(answer.importance),
                        answer.comment,
                        stamp,
                    )
                    for area_id in changed
                    for answer in (state.answer(area_id),)
                ],
            )

    async def record_prompt(
        self,
        round_id: int,
        user_id: str,
        channel_id: str,
        ts: str,
        area_id: str | None = None,
        ask: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember a prompt message sent to the person: their latest, and what it asked."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE participants SET prompt_ts = ?, dm_channel = ?, prompted_at = ?"
                " WHERE round_id = ? AND user_id = ?",
                (ts, channel_id, _iso(now or utcnow()), round_id, user_id),
            )
            await db.execute(
                "INSERT OR REPLACE INTO prompt_messages"
                " (channel_id, ts, round_id, user_id, area_id, ask) VALUES (?, ?, ?, ?, ?, ?)",
                (channel_id, ts, round_id, user_id, area_id, ask),
            )

    async def prompt_message(self, channel_id: str, ts: str) -> PromptRef | None:
        """What the DM message ``ts`` asked, if the app sent it as a prompt."""
        async with self._db.execute(
            "SELECT * FROM prompt_messages WHERE channel_id = ? AND ts = ?", (channel_id, ts)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PromptRef(int(row["round_id"]), row["user_id"], row["area_id"], row["ask"])

    # ------------------------------------------------------------------ posts

    async def claim_post(
        self, key: PostKey, now: datetime, owner: str, over: AttemptOver
    ) -> Claim | None:
        """Claim a due post, or one whose last attempt is ``over``, for one attempt by
        ``owner``; None when it is sent, refused, not due at all, or under way."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT state, claimed_at, claimed_by, first_claimed_at, nonce FROM posts"
                " WHERE round_id = ? AND kind = ? AND user_id = ?",
                _key(key),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            state, claimed_at = PostState(row["state"]), _datetime(row["claimed_at"])
            unknown = (
                state is PostState.CLAIMED
                and claimed_at is not None
                and over(row["claimed_by"], claimed_at)
            )
            if state is not PostState.DUE and not unknown:
                return None
            nonce = row["nonce"] or secrets.token_hex(8)
            await db.execute(
                "UPDATE posts SET state = 'claimed', claimed_at = ?, claimed_by = ?,"
                " attempts = attempts + 1, first_claimed_at = COALESCE(first_claimed_at, ?),"
                " nonce = ? WHERE round_id = ? AND kind = ? AND user_id = ?",
                (_iso(now), owner, _iso(now), nonce, *_key(key)),
            )
        since = _datetime(row["first_claimed_at"]) or now
        return Claim(key, now, since, unknown, nonce)

    async def renew_claim(self, claim: Claim, now: datetime) -> Claim | None:
        """Extend a claim for a second attempt; None when another attempt took it over."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE posts SET claimed_at = ? WHERE round_id = ? AND kind = ? AND user_id = ?"
                " AND state = 'claimed' AND claimed_at = ?",
                (_iso(now), *_key(claim.key), _iso(claim.claimed_at)),
            )
        renewed = Claim(claim.key, now, claim.since, False, claim.nonce)
        return renewed if cur.rowcount == 1 else None

    async def post_sent(self, key: PostKey, channel_id: str, ts: str, now: datetime) -> bool:
        """Record a post as sent, with what it means for its round, in one transaction; False
        when it was recorded before."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE posts SET state = 'sent', channel_id = ?, ts = ?, error = NULL"
                " WHERE round_id = ? AND kind = ? AND user_id = ? AND state != 'sent'",
                (channel_id, ts, *_key(key)),
            )
            if cur.rowcount != 1:
                return False
            if key.kind is PostKind.INVITATION:
                await db.execute(
                    "UPDATE participants SET invited_at = ?, dm_channel = ?, prompt_ts = ?,"
                    " prompted_at = ? WHERE round_id = ? AND user_id = ?",
                    (_iso(now), channel_id, ts, _iso(now), key.round_id, key.user_id),
                )
                await db.execute(
                    "INSERT OR REPLACE INTO prompt_messages (channel_id, ts, round_id, user_id)"
                    " VALUES (?, ?, ?, ?)",
                    (channel_id, ts, key.round_id, key.user_id),
                )
            else:
                column = "announce_ts" if key.kind is PostKind.ANNOUNCEMENT else "summary_ts"
                await db.execute(f"UPDATE rounds SET {column} = ? WHERE id = ?", (ts, key.round_id))
        return True

    async def post_failed(self, claim: Claim, error: str, *, again: bool) -> None:
        """Slack refused the attempt: the post is due again (``again``) or refused for good."""
        state = PostState.DUE if again else PostState.REFUSED
        async with self._transaction() as db:
            await db.execute(
                "UPDATE posts SET state = ?, error = ? WHERE round_id = ? AND kind = ?"
                " AND user_id = ? AND state = 'claimed' AND claimed_at = ?",
                (state.value, error, *_key(claim.key), _iso(claim.claimed_at)),
            )

    async def pending_posts(self, over: AttemptOver, round_id: int | None = None) -> list[PostKey]:
        """Posts to send now: due ones, and claims whose attempt is ``over``. Invitations only
        once their round's announcement is out, and only while the round is open."""
        sql = (
            "SELECT p.round_id, p.kind, p.user_id, p.state, p.claimed_at, p.claimed_by"
            " FROM posts p JOIN rounds r ON r.id = p.round_id"
            " WHERE p.state IN ('due', 'claimed') AND (p.kind = 'summary' OR r.status = 'open')"
            " AND (p.kind != 'invitation' OR EXISTS (SELECT 1 FROM posts a"
            " WHERE a.round_id = p.round_id AND a.kind = 'announcement' AND a.state = 'sent'))"
        )
        params: tuple[Any, ...] = ()
        if round_id is not None:
            sql += " AND p.round_id = ?"
            params += (round_id,)
        async with self._db.execute(sql + " ORDER BY p.round_id, p.rowid", params) as cur:
            rows = await cur.fetchall()
        pending = []
        for row in rows:
            claimed_at = _datetime(row["claimed_at"])
            if (
                claimed_at is None
                or row["state"] == PostState.DUE
                or over(row["claimed_by"], claimed_at)
            ):
                pending.append(PostKey(int(row["round_id"]), PostKind(row["kind"]), row["user_id"]))
        return pending

    async def invitations(self, round_id: int) -> dict[str, PostStatus]:
        """Where each person's invitation stands (people of a terminal round have none)."""
        async with self._db.execute(
            "SELECT user_id, state, error FROM posts WHERE round_id = ? AND kind = ?",
            (round_id, PostKind.INVITATION.value),
        ) as cur:
            return {
                row["user_id"]: PostStatus(PostState(row["state"]), row["error"])
                for row in await cur.fetchall()
            }

    async def claim_reminder(self, person: Participant, now: datetime) -> bool:
        """Record a reminder to ``person`` before it is sent: True for one caller only among
        those that read them with the same count of reminders (a double click, two clocks)."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE participants SET reminders_sent = reminders_sent + 1, reminded_at = ?"
                " WHERE round_id = ? AND user_id = ? AND reminders_sent = ?",
                (_iso(now), person.round_id, person.user_id, person.reminders_sent),
            )
            return cur.rowcount == 1

    async def release_reminder(self, person: Participant, now: datetime) -> None:
        """Give back the reminder claimed at ``now`` (Slack certainly did not post it)."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE participants SET reminders_sent = ?, reminded_at = ?"
                " WHERE round_id = ? AND user_id = ? AND reminders_sent = ? AND reminded_at = ?",
                (
                    person.reminders_sent,
                    _iso(person.reminded_at),
                    person.round_id,
                    person.user_id,
                    person.reminders_sent + 1,
                    _iso(now),
                ),
            )

    async def snooze(self, round_id: int, user_id: str, until: datetime) -> None:
        """Remind the person at ``until`` (a later snooze replaces an earlier one)."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE participants SET snooze_until = ? WHERE round_id = ? AND user_id = ?",
                (_iso(until), round_id, user_id),
            )

    async def take_due_snoozes(self, now: datetime) -> list[tuple[int, str]]:
        """The (round, person) pairs of open rounds whose snooze has ended, cleared as taken."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT p.round_id, p.user_id FROM participants p"
                " JOIN rounds r ON r.id = p.round_id"
                " WHERE r.status = 'open' AND p.snooze_until <= ? ORDER BY p.snooze_until",
                (_iso(now),),
            ) as cur:
                due = [(int(row["round_id"]), str(row["user_id"])) for row in await cur.fetchall()]
            await db.executemany(
                "UPDATE participants SET snooze_until = NULL WHERE round_id = ? AND user_id = ?",
                due,
            )
        return due

    async def claim_lead_told_done(self, round_id: int, now: datetime) -> bool:
        """True once per round: the caller is the one to tell the lead that all finished."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE rounds SET lead_told_done_at = ?"
                " WHERE id = ? AND status = 'open' AND lead_told_done_at IS NULL",
                (_iso(now), round_id),
            )
            return cur.rowcount == 1

    async def open_rounds(self) -> list[Round]:
        """Every open round (for deadlines and reminders)."""
        async with self._db.execute(
            "SELECT * FROM rounds WHERE status = 'open' ORDER BY id"
        ) as cur:
            return [self._round(row) for row in await cur.fetchall()]

    async def rounds_started_by(self, team_id: str, user_id: str, limit: int = 10) -> list[Round]:
        """Rounds the person started, newest first."""
        async with self._db.execute(
            "SELECT * FROM rounds WHERE team_id = ? AND started_by = ? ORDER BY id DESC LIMIT ?",
            (team_id, user_id, limit),
        ) as cur:
            return [self._round(row) for row in await cur.fetchall()]

    async def closed_rounds_for(self, team_id: str, user_id: str, limit: int = 5) -> list[Round]:
        """Closed rounds the person started or took part in, newest first; not follow-ups (their
        agreed levels are in the first round's result)."""
        async with self._db.execute(
            "SELECT * FROM rounds r WHERE r.team_id = ? AND r.status = 'closed'"
            " AND r.followup_of IS NULL AND"
            " (r.started_by = ? OR EXISTS (SELECT 1 FROM participants p"
            " WHERE p.round_id = r.id AND p.user_id = ?)) ORDER BY r.id DESC LIMIT ?",
            (team_id, user_id, user_id, limit),
        ) as cur:
            return [self._round(row) for row in await cur.fetchall()]

    async def open_dialogues(self, user_id: str) -> list[tuple[Round, Participant]]:
        """The person's dialogues in open rounds, most recently prompted first."""
        async with self._db.execute(
            "SELECT p.round_id FROM participants p JOIN rounds r ON r.id = p.round_id"
            " WHERE p.user_id = ? AND r.status = 'open'"
            " ORDER BY p.prompted_at DESC, p.updated_at DESC, p.round_id DESC",
            (user_id,),
        ) as cur:
            round_ids = [int(row["round_id"]) for row in await cur.fetchall()]
        result = []
        for round_id in round_ids:
            found = await self.get_round(round_id)
            person = await self.participant(round_id, user_id)
            if found is not None and person is not None:
                result.append((found, person))
        return result

    # ------------------------------------------------------------------ the action plan

    async def add_action(self, action: Action, lead_tz: str | None) -> Action:
        """Store a new action (its ``id`` is ignored) and enrol its lead for overdue digests."""
        async with self._transaction() as db:
            cur = await db.execute(
                "INSERT INTO actions (team_id, channel_id, round_id, framework_id, area_id, what,"
                " owner, owner_name, owner_tz, lead, due, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    action.team_id, action.channel_id, action.round_id, action.framework_id,
                    action.area_id, action.what, action.owner, action.owner_name,
                    action.owner_tz, action.lead, action.due.isoformat(), action.created_by,
                    _iso(action.created_at),
                ),
            )  # fmt: skip
            await db.execute(
                "INSERT INTO action_digests (team_id, lead, tz) VALUES (?, ?, ?)"
                " ON CONFLICT (team_id, lead) DO UPDATE SET tz = excluded.tz",
                (action.team_id, action.lead, lead_tz),
            )
        assert cur.lastrowid is not None
        found = await self.action(cur.lastrowid)
        assert found is not None
        return found

    async def action(self, action_id: int) -> Action | None:
        rows = await self._actions("id = ?", (action_id,))
        return rows[0] if rows else None

    async def _actions(
        self, where: str, params: tuple[Any, ...], order: str = "id"
    ) -> list[Action]:
        async with self._db.execute(
            f"SELECT * FROM actions WHERE {where} ORDER BY {order}", params
        ) as cur:
            return [_action(row) for row in await cur.fetchall()]

    async def channel_actions(self, team_id: str, channel_id: str) -> list[Action]:
        """The channel's actions: open ones by due date, then done ones, latest done first."""
        return await self._actions(
            "team_id = ? AND channel_id = ?",
            (team_id, channel_id),
            "done_at IS NOT NULL, CASE WHEN done_at IS NULL THEN due END, done_at DESC, id",
        )

    async def owner_actions(self, team_id: str, owner: str) -> list[Action]:
        """The person's open actions, by due date."""
        return await self._actions(
            "team_id = ? AND owner = ? AND done_at IS NULL", (team_id, owner), "due, id"
        )

    async def plan_actions(self, round_: Round) -> list[Action]:
        """The channel's actions of ``round_``'s framework made from it or an earlier round."""
        return await self._actions(
            "team_id = ? AND channel_id = ? AND framework_id = ? AND round_id <= ?",
            (round_.team_id, round_.channel_id, round_.framework.id, round_.id),
        )

    async def action_notes(
        self, round_: Round, since: datetime | None, until: datetime
    ) -> tuple[ActionNote, ...]:
        """What ``round_``'s report says of the actions made before it: those open at ``until``
        and those done after ``since`` (the previous round's close)."""
        found = await self._actions(
            "team_id = ? AND channel_id = ? AND framework_id = ? AND round_id < ?"
            " AND created_at <= ? AND (done_at IS NULL OR done_at > ? OR done_at > ?)",
            (
                round_.team_id, round_.channel_id, round_.framework.id, round_.id,
                _iso(until), _iso(until), _iso(since) or "",
            ),
        )  # fmt: skip
        return tuple(
            ActionNote(
                a.area_id,
                a.what,
                a.owner,
                a.owner_name,
                a.due,
                a.done_at is not None and a.done_at <= until,
            )
            for a in found
        )

    async def complete_action(self, action_id: int, by: str, now: datetime) -> bool:
        """Mark an open action done; False when it was done already."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE actions SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
                (_iso(now), by, action_id),
            )
            return cur.rowcount == 1

    async def unreminded_actions(self, due_by: date) -> list[Action]:
        """Open actions due on or before ``due_by`` whose owner has not been reminded."""
        return await self._actions(
            "done_at IS NULL AND reminded_at IS NULL AND due <= ?", (due_by.isoformat(),), "due"
        )

    async def claim_action_reminder(self, action_id: int, now: datetime) -> bool:
        """True once per open action: the caller sends the due-date reminder."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE actions SET reminded_at = ?"
                " WHERE id = ? AND done_at IS NULL AND reminded_at IS NULL",
                (_iso(now), action_id),
            )
            return cur.rowcount == 1

    async def release_action_reminder(self, action_id: int) -> None:
        """Give a claimed reminder back (it could not be sent): the clock tries again."""
        async with self._transaction() as db:
            await db.execute("UPDATE actions SET reminded_at = NULL WHERE id = ?", (action_id,))

    async def digest_leads(self, sent_before: datetime) -> list[tuple[str, str, str | None]]:
        """(team, lead, time zone) of every lead not sent a digest since ``sent_before``."""
        async with self._db.execute(
            "SELECT team_id, lead, tz FROM action_digests WHERE sent_at IS NULL OR sent_at <= ?",
            (_iso(sent_before),),
        ) as cur:
            return [(row["team_id"], row["lead"], row["tz"]) for row in await cur.fetchall()]

    async def overdue_actions(self, team_id: str, lead: str, today: date) -> list[Action]:
        """Open actions of the lead's rounds due before ``today``, by channel and due date."""
        return await self._actions(
            "team_id = ? AND lead = ? AND done_at IS NULL AND due < ?",
            (team_id, lead, today.isoformat()),
            "channel_id, due, id",
        )

    async def claim_digest(
        self, team_id: str, lead: str, now: datetime, sent_before: datetime
    ) -> bool:
        """True once per period: the caller sends the lead's digest."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE action_digests SET sent_at = ? WHERE team_id = ? AND lead = ?"
                " AND (sent_at IS NULL OR sent_at <= ?)",
                (_iso(now), team_id, lead, _iso(sent_before)),
            )
            return cur.rowcount == 1

    async def release_digest(self, team_id: str, lead: str, claimed_at: datetime) -> None:
        """Give back the digest claimed at ``claimed_at`` (it could not be sent): due again."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE action_digests SET sent_at = NULL"
                " WHERE team_id = ? AND lead = ? AND sent_at = ?",
                (team_id, lead, _iso(claimed_at)),
            )

    # ------------------------------------------------------------------ recurring rounds

    async def set_schedule(self, schedule: Schedule) -> None:
        """Store the channel's schedule, replacing any earlier one."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO schedules (team_id, channel_id, framework_id, lead,"
                " lead_tz, users, lang, min_responses, deadline_days, cadence, next_run,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    schedule.team_id, schedule.channel_id, schedule.framework_id, schedule.lead,
                    schedule.lead_tz, json.dumps(list(schedule.users)), schedule.lang,
                    schedule.min_responses, schedule.deadline_days, schedule.cadence,
                    _iso(schedule.next_run), _iso(schedule.created_at),
                ),
            )  # fmt: skip

    async def schedule(self, team_id: str, channel_id: str) -> Schedule | None:
        found = await self._schedules("team_id = ? AND channel_id = ?", (team_id, channel_id))
        return found[0] if found else None

    async def due_schedules(self, now: datetime) -> list[Schedule]:
        return await self._schedules("next_run <= ?", (_iso(now),))

    async def _schedules(self, where: str, params: tuple[Any, ...]) -> list[Schedule]:
        async with self._db.execute(
            f"SELECT * FROM schedules WHERE {where} ORDER BY next_run", params
        ) as cur:
            return [_schedule(row) for row in await cur.fetchall()]

    async def cancel_schedule(self, team_id: str, channel_id: str) -> bool:
        async with self._transaction() as db:
            cur = await db.execute(
                "DELETE FROM schedules WHERE team_id = ? AND channel_id = ?", (team_id, channel_id)
            )
            return cur.rowcount == 1

    async def advance_schedule(self, schedule: Schedule, next_run: datetime) -> bool:
        """Move the schedule on from the run it was at; False when someone else did already."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE schedules SET next_run = ? WHERE team_id = ? AND channel_id = ?"
                " AND next_run = ?",
                (_iso(next_run), schedule.team_id, schedule.channel_id, _iso(schedule.next_run)),
            )
            return cur.rowcount == 1

    # ------------------------------------------------------------------ discussion threads

    async def add_discussion(
        self, round_id: int, area_id: str, position: int, channel_id: str, ts: str
    ) -> None:
        """Record the message whose thread discusses ``area_id`` of the round."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO discussions (round_id, area_id, position, channel_id, ts)"
                " VALUES (?, ?, ?, ?, ?)",
                (round_id, area_id, position, channel_id, ts),
            )

    async def keep_discussion_reply(
        self, channel_id: str, thread_ts: str, ts: str, user_id: str, text: str, now: datetime
    ) -> bool:
        """Store (or, for an edit, update) a reply in an open discussion thread; False when
        ``thread_ts`` is none, or its channel has started the framework's next round since."""
        async with self._transaction() as db:
            cur = await db.execute(
                "INSERT INTO discussion_replies (channel_id, ts, thread_ts, user_id, text,"
                f" updated_at) SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS ({_OPEN_THREAD})"
                " ON CONFLICT (channel_id, ts) DO UPDATE SET text = excluded.text,"
                " updated_at = excluded.updated_at",
                (channel_id, ts, thread_ts, user_id, text, _iso(now), channel_id, thread_ts),
            )
            return cur.rowcount == 1

    async def forget_discussion_reply(self, channel_id: str, thread_ts: str, ts: str) -> bool:
        """Remove a deleted reply from an open discussion thread."""
        async with self._transaction() as db:
            cur = await db.execute(
                "DELETE FROM discussion_replies WHERE channel_id = ? AND ts = ?"
                f" AND thread_ts = ? AND EXISTS ({_OPEN_THREAD})",
                (channel_id, ts, thread_ts, channel_id, thread_ts),
            )
            return cur.rowcount == 1

    async def discussions(self, round_id: int) -> list[Discussion]:
        """The round's discussion threads in the summary's order, each with its replies."""
        async with self._db.execute(
            "SELECT d.area_id, d.channel_id, d.ts AS thread_ts, r.user_id, r.text, r.ts"
            " FROM discussions d LEFT JOIN discussion_replies r"
            " ON r.channel_id = d.channel_id AND r.thread_ts = d.ts"
            " WHERE d.round_id = ? ORDER BY d.position, CAST(r.ts AS REAL), r.ts",
            (round_id,),
        ) as cur:
            rows = await cur.fetchall()
        threads: dict[str, Discussion] = {}
        for row in rows:
            thread = threads.setdefault(
                row["area_id"], Discussion(row["area_id"], row["channel_id"], row["thread_ts"])
            )
            if row["ts"] is not None:
                reply = DiscussionReply(row["user_id"], row["text"], row["ts"])
                threads[row["area_id"]] = replace(thread, replies=(*thread.replies, reply))
        return list(threads.values())


def _check_path(path: str) -> None:
    """Refuse, with the reason, a path SQLite would fail on obscurely (``:memory:`` is fine)."""
    if path == ":memory:":
        return
    where = Path(path)
    if where.is_dir():
        raise DatabaseUnusable(f"{path} is a folder: CX_ASSESS_DB must name a database file")
    if not where.parent.is_dir():
        raise DatabaseUnusable(f"{path}: the folder {where.parent} does not exist")


# ---------------------------------------------------------------------- row conversion


def _key(key: PostKey) -> tuple[int, str, str]:
    return key.round_id, key.kind.value, key.user_id


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stored(reply: Reply | None) -> int | str | None:
    return reply.value if isinstance(reply, Mark) else reply


def _reply(value: object) -> Reply | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return Mark(str(value))


def _participant(row: sqlite3.Row, answers: dict[str, AreaAnswer]) -> Participant:
    updated = _datetime(row["updated_at"])
    assert updated is not None
    return Participant(
        round_id=int(row["round_id"]),
        user_id=row["user_id"],
        locale=row["locale"],
        state=InterviewState(
            phase=Phase(row["phase"]),
            position=int(row["position"]),
            editing=bool(row["editing"]),
            answers=answers,
        ),
        updated_at=updated,
        tz=row["tz"],
        dm_channel=row["dm_channel"],
        invited_at=_datetime(row["invited_at"]),
        prompt_ts=row["prompt_ts"],
        reminders_sent=int(row["reminders_sent"]),
        reminded_at=_datetime(row["reminded_at"]),
        snooze_until=_datetime(row["snooze_until"]),
    )


def _action(row: sqlite3.Row) -> Action:
    created = _datetime(row["created_at"])
    assert created is not None
    return Action(
        id=int(row["id"]),
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        round_id=int(row["round_id"]),
        framework_id=row["framework_id"],
        area_id=row["area_id"],
        what=row["what"],
        owner=row["owner"],
        owner_name=row["owner_name"],
        owner_tz=row["owner_tz"],
        lead=row["lead"],
        due=date.fromisoformat(row["due"]),
        created_by=row["created_by"],
        created_at=created,
        done_by=row["done_by"],
        done_at=_datetime(row["done_at"]),
        reminded_at=_datetime(row["reminded_at"]),
    )


def _schedule(row: sqlite3.Row) -> Schedule:
    next_run, created = _datetime(row["next_run"]), _datetime(row["created_at"])
    assert next_run is not None and created is not None
    return Schedule(
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        framework_id=row["framework_id"],
        lead=row["lead"],
        lead_tz=row["lead_tz"],
        users=tuple(json.loads(row["users"])),
        lang=row["lang"],
        min_responses=row["min_responses"],
        deadline_days=row["deadline_days"],
        cadence=row["cadence"],
        next_run=next_run,
        created_at=created,
    )
