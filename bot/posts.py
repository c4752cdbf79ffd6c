"""Exactly-once posts: a round's announcement, each invitation and the summary.

Each is claimed in the database before it is sent (`Store.claim_post`), and sent only by the
attempt holding the claim. Slack's refusal frees the claim at once. After an attempt without an
answer (a 5xx, a timeout) the message is looked for at once (each carries metadata with the
round id); not found, the claim is kept until that attempt is certainly over (its lease ran
out, or its process is gone), and whoever takes it over looks again before posting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.model import Claim, PostKey, PostKind
from bot.slack_api import SlackCallFailed, SlackGateway
from bot.storage import Store

log = logging.getLogger(__name__)

# A claim outlives an attempt: the post (bounded by the timeout) and one look for it.
LEASE_TIMEOUTS = 3
LOOK_BACK = timedelta(minutes=10)  # clocks differ; look a little further back than the claim
EVENT_TYPES = {
    PostKind.ANNOUNCEMENT: "cx_assess_announcement",
    PostKind.INVITATION: "cx_assess_invitation",
    PostKind.SUMMARY: "cx_assess_summary",
}


def _host() -> str:
    """Where a claim's process runs, as far as this one can check on it: the host name and, on
    Linux, the PID namespace (containers sharing a host name, as with host networking, each
    see only their own processes)."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return socket.gethostname()
    return f"{socket.gethostname()}/{namespace}"


HOST = _host()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@dataclass(frozen=True)
class Outgoing:
    """A post's content. ``channel`` is a channel id, or a user id for the person's DM."""

    channel: str
    text: str
    blocks: Sequence[Block | dict[str, Any]] | None = None
    payload: dict[str, object] | None = None  # metadata beyond the round id


@dataclass(frozen=True)
class Sent:
    channel: str
    ts: str


class Posts:
    """Sends claimed posts once; see the module docstring."""

    def __init__(
        self, store: Store, slack: SlackGateway, clock: Callable[[], datetime], timeout: int
    ) -> None:
        self.store, self.slack, self.clock, self.timeout = store, slack, clock, timeout
        self.lease = timedelta(seconds=LEASE_TIMEOUTS * timeout)
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    def over(self, owner: str | None, claimed_at: datetime) -> bool:
        """Whether a claim's attempt is certainly over: its lease ran out, or its process
        (on this host, in this PID namespace) is gone: killed, or restarted as this one."""
        if claimed_at < self.clock() - self.lease:
            return True
        host, pid, *_ = (owner or "::").split(":")
        if host != HOST or not pid.isdigit():
            return False  # another machine's process: only its lease tells
        if int(pid) == os.getpid():
            return owner != self.owner  # an earlier process that had this process id
        return not _alive(int(pid))

    async def pending(self, round_id: int | None = None) -> list[PostKey]:
        """The posts to send now (due, or left by an attempt that is over)."""
        return await self.store.pending_posts(self.over, round_id)

    async def deliver(self, key: PostKey, out: Outgoing) -> Sent | None:
        """Send the post unless it is sent, refused or being sent; the result when this call
        recorded it as sent (by posting it, or by finding it posted).

        Raises `SlackCallFailed`: refused (the claim is freed, or the post refused for good
        when Slack's answer means it) or ``uncertain`` (not found after an unanswered attempt;
        the claim is kept until the lease ends, then the message is looked for again).
        """
        claim = await self.store.claim_post(key, self.clock(), self.owner, self.over)
        if claim is None:
            return None
        metadata = {
            "event_type": EVENT_TYPES[key.kind],
            "event_payload": {"round_id": key.round_id, "post": claim.nonce, **(out.payload or {})},
        }
        if claim.look_first:
            found = await self._find(claim, out)
            if found is not None:
                return await self._record(key, found)
            claim = await self.store.renew_claim(claim, self.clock())
            if claim is None:
                return None
        try:
            channel, ts = await asyncio.wait_for(
                self.slack.post_to(out.channel, out.text, out.blocks, metadata=metadata),
                self.timeout,
            )
        except TimeoutError:
            unanswered = SlackCallFailed("chat.postMessage", "timeout", uncertain=True)
            return await self._unanswered(claim, out, unanswered)
        except SlackCallFailed as exc:
            if exc.uncertain:
                return await self._unanswered(claim, out, exc)
            # A summary is tried until it goes through (an archived channel may come back).
            again = key.kind is PostKind.SUMMARY or exc.transient
            await self.store.post_failed(claim, exc.error, again=again)
            raise
        return await self._record(key, Sent(channel, ts))

    async def _unanswered(self, claim: Claim, out: Outgoing, exc: SlackCallFailed) -> Sent | None:
        """After an attempt without an answer: Slack may have posted it, so look. Not found
        (or Slack cannot say), the claim stays until the lease ends; then the clock looks
        again before posting."""
        try:
            found = await self._find(claim, out)
        except SlackCallFailed:
            raise exc from None
        if found is None:
            raise exc
        return await self._record(claim.key, found)

    async def _find(self, claim: Claim, out: Outgoing) -> Sent | None:
        """The post, if an earlier attempt made it; `SlackCallFailed` when Slack cannot say."""
        channel = out.channel
        try:
            async with asyncio.timeout(self.timeout):
                if channel.startswith(("U", "W")):  # a person: their DM with the app
                    channel = await self.slack.open_dm(channel)
                ts = await self.slack.find_posted(channel, claim.nonce, claim.since - LOOK_BACK)
        except TimeoutError:
            raise SlackCallFailed("conversations.history", "timeout", uncertain=True) from None
        except SlackCallFailed as exc:
            log.error("cannot look for the %s of round %s: %s",
                      claim.key.kind.value, claim.key.round_id, exc.error)  # fmt: skip
            raise
        return Sent(channel, ts) if ts is not None else None

    async def _record(self, key: PostKey, sent: Sent) -> Sent | None:
        recorded = await self.store.post_sent(key, sent.channel, sent.ts, self.clock())
        return sent if recorded else None
