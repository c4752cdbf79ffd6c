"""Posts with consequences (announcements, invitations, summaries): claimed, sent, refused."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.model import AttemptOver, Claim, PostKey, PostKind, PostState, PostStatus
from bot.storage.base import Part
from bot.storage.people import remember_prompt
from bot.storage.rows import iso, key, moment


class Posts(Part):
    async def claim_post(
        self, post: PostKey, now: datetime, owner: str, over: AttemptOver
    ) -> Claim | None:
        """Claim a due post, or one whose last attempt is ``over``, for one attempt by
        ``owner``; None when it is sent, refused, not due at all, or under way (on this or
        any other instance)."""
        async with self._engine.transaction() as tx:
            await tx.lock(f"post:{post.round_id}:{post.kind.value}:{post.user_id}")
            row = await tx.fetchone(
                "SELECT state, claimed_at, claimed_by, first_claimed_at, nonce FROM posts"
                " WHERE round_id = ? AND kind = ? AND user_id = ?",
                key(post),
            )
            if row is None:
                return None
            state, claimed_at = PostState(row["state"]), moment(row["claimed_at"])
            unknown = (
                state is PostState.CLAIMED
                and claimed_at is not None
                and over(row["claimed_by"], claimed_at)
            )
            if state is not PostState.DUE and not unknown:
                return None
            nonce = row["nonce"] or secrets.token_hex(8)
            await tx.execute(
                "UPDATE posts SET state = 'claimed', claimed_at = ?, claimed_by = ?,"
                " attempts = attempts + 1, first_claimed_at = COALESCE(first_claimed_at, ?),"
                " nonce = ? WHERE round_id = ? AND kind = ? AND user_id = ?",
                (iso(now), owner, iso(now), nonce, *key(post)),
            )
        since = moment(row["first_claimed_at"]) or now
        return Claim(post, now, since, unknown, nonce)

    async def renew_claim(self, claim: Claim, now: datetime) -> Claim | None:
        """Extend a claim for a second attempt; None when another attempt took it over."""
        renewed = await self._write_one(
            "UPDATE posts SET claimed_at = ? WHERE round_id = ? AND kind = ? AND user_id = ?"
            " AND state = 'claimed' AND claimed_at = ?",
            (iso(now), *key(claim.key), iso(claim.claimed_at)),
        )
        return Claim(claim.key, now, claim.since, False, claim.nonce) if renewed else None

    async def post_sent(self, post: PostKey, channel_id: str, ts: str, now: datetime) -> bool:
        """Record a post as sent, with what it means for its round, in one transaction; False
        when it was recorded before."""
        async with self._engine.transaction() as tx:
            changed = await tx.execute(
                "UPDATE posts SET state = 'sent', channel_id = ?, ts = ?, error = NULL"
                " WHERE round_id = ? AND kind = ? AND user_id = ? AND state != 'sent'",
                (channel_id, ts, *key(post)),
            )
            if changed != 1:
                return False
            if post.kind is PostKind.INVITATION:
                await tx.execute(
                    "UPDATE participants SET invited_at = ?, dm_channel = ?, prompt_ts = ?,"
                    " prompted_at = ? WHERE round_id = ? AND user_id = ?",
                    (iso(now), channel_id, ts, iso(now), post.round_id, post.user_id),
                )
                await remember_prompt(tx, channel_id, ts, post.round_id, post.user_id)
            else:
                column = "announce_ts" if post.kind is PostKind.ANNOUNCEMENT else "summary_ts"
                await tx.execute(
                    f"UPDATE rounds SET {column} = ? WHERE id = ?", (ts, post.round_id)
                )
        return True

    async def post_failed(self, claim: Claim, error: str, *, again: bool) -> None:
        """Slack refused the attempt: the post is due again (``again``) or refused for good."""
        state = PostState.DUE if again else PostState.REFUSED
        await self._write(
            "UPDATE posts SET state = ?, error = ? WHERE round_id = ? AND kind = ?"
            " AND user_id = ? AND state = 'claimed' AND claimed_at = ?",
            (state.value, error, *key(claim.key), iso(claim.claimed_at)),
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
        params: tuple[int, ...] = ()
        if round_id is not None:
            sql += " AND p.round_id = ?"
            params += (round_id,)
        pending = []
        for row in await self._all(sql + " ORDER BY p.round_id, p.rowid", params):
            claimed_at = moment(row["claimed_at"])
            if (
                claimed_at is None
                or row["state"] == PostState.DUE
                or over(row["claimed_by"], claimed_at)
            ):
                pending.append(PostKey(int(row["round_id"]), PostKind(row["kind"]), row["user_id"]))
        return pending

    async def invitations(self, round_id: int) -> dict[str, PostStatus]:
        """Where each person's invitation stands (people of a terminal round have none)."""
        rows = await self._all(
            "SELECT user_id, state, error FROM posts WHERE round_id = ? AND kind = ?",
            (round_id, PostKind.INVITATION.value),
        )
        return {row["user_id"]: PostStatus(PostState(row["state"]), row["error"]) for row in rows}
