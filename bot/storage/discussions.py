"""Discussion threads: one channel message per disagreement shown at close, and its replies."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.model import Discussion, DiscussionReply
from bot.storage.base import Part
from bot.storage.rows import iso

# A discussion thread of a workspace (``team_id``, ``channel_id``, ``ts`` as parameters: channel
# ids repeat across workspaces) whose round's channel has not started another round of the
# framework since (a Delphi follow-up is not one): what is written there is kept.
_OPEN_THREAD = (
    "SELECT 1 FROM discussions d JOIN rounds r ON r.id = d.round_id"
    " WHERE r.team_id = ? AND d.channel_id = ? AND d.ts = ? AND NOT EXISTS (SELECT 1 FROM rounds n"
    " WHERE n.team_id = r.team_id AND n.channel_id = r.channel_id"
    " AND n.framework_id = r.framework_id AND n.id > r.id AND n.followup_of IS NULL)"
)


class Discussions(Part):
    async def add_discussion(
        self, round_id: int, area_id: str, position: int, channel_id: str, ts: str
    ) -> None:
        """Record the message whose thread discusses ``area_id`` of the round."""
        await self._write(
            "INSERT INTO discussions (round_id, area_id, position, channel_id, ts)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (round_id, area_id, position, channel_id, ts),
        )

    async def keep_discussion_reply(
        self,
        team_id: str,
        channel_id: str,
        thread_ts: str,
        ts: str,
        user_id: str,
        text: str,
        now: datetime,
    ) -> bool:
        """Store (or, for an edit, update) a reply in an open discussion thread of the workspace;
        False when ``thread_ts`` is none, or its channel has started the framework's next round
        since."""
        return await self._write_one(
            "INSERT INTO discussion_replies (channel_id, ts, thread_ts, user_id, text,"
            f" updated_at) SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS ({_OPEN_THREAD})"
            " ON CONFLICT (channel_id, ts) DO UPDATE SET text = excluded.text,"
            " updated_at = excluded.updated_at",
            (
                channel_id,
                ts,
                thread_ts,
                user_id,
                text,
                iso(now),
                team_id,
                channel_id,
                thread_ts,
            ),
        )

    async def forget_discussion_reply(
        self, team_id: str, channel_id: str, thread_ts: str, ts: str
    ) -> bool:
        """Remove a deleted reply from an open discussion thread of the workspace."""
        return await self._write_one(
            "DELETE FROM discussion_replies WHERE channel_id = ? AND ts = ?"
            f" AND thread_ts = ? AND EXISTS ({_OPEN_THREAD})",
            (channel_id, ts, thread_ts, team_id, channel_id, thread_ts),
        )

    async def discussion_thread(self, round_id: int, area_id: str) -> tuple[str, str] | None:
        """The channel and ``ts`` of the message whose thread discusses ``area_id`` of the
        round; None when it has none (yet)."""
        row = await self._one(
            "SELECT channel_id, ts FROM discussions WHERE round_id = ? AND area_id = ?",
            (round_id, area_id),
        )
        return (row["channel_id"], row["ts"]) if row else None

    async def discussions(self, round_id: int) -> list[Discussion]:
        """The round's discussion threads in the summary's order, each with its replies."""
        rows = await self._all(
            "SELECT d.area_id, d.channel_id, d.ts AS thread_ts, r.user_id, r.text, r.ts"
            " FROM discussions d LEFT JOIN discussion_replies r"
            " ON r.channel_id = d.channel_id AND r.thread_ts = d.ts"
            " WHERE d.round_id = ? ORDER BY d.position, CAST(r.ts AS NUMERIC), r.ts",
            (round_id,),
        )
        threads: dict[str, Discussion] = {}
        for row in rows:
            thread = threads.setdefault(
                row["area_id"], Discussion(row["area_id"], row["channel_id"], row["thread_ts"])
            )
            if row["ts"] is not None:
                reply = DiscussionReply(row["user_id"], row["text"], row["ts"])
                threads[row["area_id"]] = replace(thread, replies=(*thread.replies, reply))
        return list(threads.values())
