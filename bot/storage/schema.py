"""The schema, as versioned migrations for each engine (`bot.storage.engines.Engine.upgrade`).

Times are ISO 8601 text in UTC, in both engines, so that the same SQL compares them.
"""

from __future__ import annotations

# A migration both engines run alike (each tuple names it).
# The inbox's clean-up (`Inbox.forget_requests_before`, every minute) deletes by age: without
# this it read the whole table each time (130-230 ms on 2.5 million kept requests, holding the
# write lock); the same in both dialects.
_SEEN_AT = """
    CREATE INDEX seen_requests_by_age ON seen_requests (seen_at);
"""

# A due run of a schedule waits while its channel has an open round; its lead is told once.
_SCHEDULE_WAITING = """
    ALTER TABLE schedules ADD COLUMN waiting_told TEXT;  -- the next_run the lead was told of
"""

_LEAD_WARNED = """
    ALTER TABLE rounds ADD COLUMN lead_warned_at TEXT;  -- when the lead heard it closes soon
"""

_OAUTH = """
    -- Installations through OAuth (bot/installations.py): slack-sdk's records as JSON, with
    -- their tokens. '' stands for no enterprise (and for the team of an org-wide install).
    CREATE TABLE installations (
        enterprise_id TEXT NOT NULL DEFAULT '',
        team_id TEXT NOT NULL DEFAULT '',
        user_id TEXT NOT NULL DEFAULT '',     -- who installed
        installed_at TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (enterprise_id, team_id, user_id)
    );
    CREATE INDEX installations_by_team ON installations (team_id, installed_at);
    CREATE TABLE installation_bots (
        enterprise_id TEXT NOT NULL DEFAULT '',
        team_id TEXT NOT NULL DEFAULT '',
        installed_at TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (enterprise_id, team_id)
    );
    CREATE INDEX installation_bots_by_team ON installation_bots (team_id);
    -- The OAuth flow's state parameters, each used once before it expires.
    CREATE TABLE oauth_states (state TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
    -- The workspaces an org-wide installation has served requests from: the clock, which knows
    -- a round's team only, finds their bot through their enterprise.
    CREATE TABLE org_workspaces (team_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL);
    """

SQLITE: tuple[str, ...] = (
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
    _OAUTH,
    _SEEN_AT,
    _SCHEDULE_WAITING,
    _LEAD_WARNED,
)


# PostgreSQL started at the schema SQLite had reached by then (its version 9): one migration
# creates it. A later schema change is a new entry in both tuples.
POSTGRES: tuple[str, ...] = (
    """
    CREATE TABLE rounds (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        framework_id TEXT NOT NULL,
        framework TEXT NOT NULL,
        started_by TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
        lang TEXT NOT NULL DEFAULT 'en',
        min_responses INTEGER,
        deadline TEXT,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        result TEXT,
        announce_ts TEXT,
        summary_ts TEXT,
        lead_told_done_at TEXT,
        followup_of BIGINT REFERENCES rounds (id),
        iteration INTEGER NOT NULL DEFAULT 1
    );
    CREATE UNIQUE INDEX rounds_one_open_per_channel
        ON rounds (team_id, channel_id) WHERE status = 'open';
    CREATE INDEX rounds_by_channel ON rounds (team_id, channel_id, id);
    CREATE UNIQUE INDEX rounds_one_followup_per_iteration
        ON rounds (followup_of, iteration) WHERE status != 'cancelled';

    -- rowid: SQLite's implicit row number, explicit here (the order people were added in).
    CREATE TABLE participants (
        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
        round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        locale TEXT NOT NULL DEFAULT 'en',
        phase TEXT NOT NULL DEFAULT 'invited',
        position INTEGER NOT NULL DEFAULT 0,
        editing INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        tz TEXT,
        dm_channel TEXT,
        invited_at TEXT,
        prompt_ts TEXT,
        reminders_sent INTEGER NOT NULL DEFAULT 0,
        reminded_at TEXT,
        prompted_at TEXT,
        snooze_until TEXT,
        PRIMARY KEY (round_id, user_id)
    );
    CREATE INDEX participants_by_user ON participants (user_id, phase);
    CREATE INDEX participants_snoozed ON participants (snooze_until) WHERE snooze_until IS NOT NULL;

    CREATE TABLE answers (
        round_id BIGINT NOT NULL,
        user_id TEXT NOT NULL,
        area_id TEXT NOT NULL,
        current TEXT,                         -- a level ('3'), 'not_sure' or 'skipped'
        target TEXT,
        importance TEXT,
        comment TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round_id, user_id, area_id),
        FOREIGN KEY (round_id, user_id) REFERENCES participants (round_id, user_id)
            ON DELETE CASCADE
    );

    CREATE TABLE prompt_messages (
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,
        round_id BIGINT NOT NULL,
        user_id TEXT NOT NULL,
        area_id TEXT,
        ask TEXT,
        PRIMARY KEY (channel_id, ts),
        FOREIGN KEY (round_id, user_id) REFERENCES participants (round_id, user_id)
            ON DELETE CASCADE
    );

    CREATE TABLE seen_requests (
        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
        key TEXT PRIMARY KEY,
        seen_at TEXT NOT NULL,
        payload TEXT,
        done INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX seen_requests_undone ON seen_requests (seen_at) WHERE done = 0;

    CREATE TABLE posts (
        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
        round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('announcement', 'invitation', 'summary')),
        user_id TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'claimed', 'sent', 'refused')),
        claimed_at TEXT,
        claimed_by TEXT,
        first_claimed_at TEXT,
        nonce TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        channel_id TEXT,
        ts TEXT,
        PRIMARY KEY (round_id, kind, user_id)
    );
    CREATE INDEX posts_pending ON posts (state) WHERE state IN ('due', 'claimed');

    CREATE TABLE actions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        round_id BIGINT NOT NULL REFERENCES rounds (id),
        framework_id TEXT NOT NULL,
        area_id TEXT NOT NULL,
        what TEXT NOT NULL,
        owner TEXT NOT NULL,
        owner_name TEXT NOT NULL,
        owner_tz TEXT,
        lead TEXT NOT NULL,
        due TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_by TEXT,
        done_at TEXT,
        reminded_at TEXT
    );
    CREATE INDEX actions_by_channel ON actions (team_id, channel_id, framework_id);
    CREATE INDEX actions_by_owner ON actions (team_id, owner, done_at);
    CREATE INDEX actions_open_by_due ON actions (due) WHERE done_at IS NULL;
    CREATE TABLE action_digests (
        team_id TEXT NOT NULL,
        lead TEXT NOT NULL,
        tz TEXT,
        sent_at TEXT,
        PRIMARY KEY (team_id, lead)
    );
    CREATE TABLE schedules (
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        framework_id TEXT NOT NULL,
        lead TEXT NOT NULL,
        lead_tz TEXT,
        users TEXT NOT NULL,
        lang TEXT NOT NULL,
        min_responses INTEGER,
        deadline_days INTEGER,
        cadence TEXT NOT NULL,
        next_run TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (team_id, channel_id)
    );

    CREATE TABLE discussions (
        round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        area_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        channel_id TEXT NOT NULL,
        ts TEXT NOT NULL,
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
    _OAUTH,
    _SEEN_AT,
    _SCHEDULE_WAITING,
    _LEAD_WARNED,
)

# Every table, parents before children (`cx-assess db copy` fills them in this order), with
# whether it has a row order of its own to keep (SQLite's rowid).
TABLES: tuple[tuple[str, bool], ...] = (
    ("rounds", False),
    ("participants", True),
    ("answers", False),
    ("prompt_messages", False),
    ("seen_requests", True),
    ("posts", True),
    ("actions", False),
    ("action_digests", False),
    ("schedules", False),
    ("discussions", False),
    ("discussion_replies", False),
    ("installations", False),
    ("installation_bots", False),
    ("oauth_states", False),
    ("org_workspaces", False),
)
