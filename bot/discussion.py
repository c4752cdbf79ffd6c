"""Discussion threads: where the team talks through each disagreement the summary shows.

At close, the attempt that recorded the summary (`Rounds.publish_summary`; only one ever does)
posts one channel message per disagreement shown, right after the summary: the area, its
anonymous split, its levels in short and its discussion question. Its thread is the
discussion. Slack threads are one level deep, so each discussion starts from a message of its
own (a reply in the summary's thread could not start a thread per area). What people write in
these threads is kept with the round and area, with who wrote it (a discussion is not
anonymous, and each message says so), until the channel starts the framework's next round.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.analysis import Report
from bot.i18n import t
from bot.model import Discussion, Round
from bot.posts import LOOK_BACK
from bot.render.blocks.discussion import discussion_message
from bot.render.blocks.summary import shown_disagreements
from bot.render.report import render_markdown
from bot.slack_api import SlackCallFailed, SlackGateway
from bot.storage import Store

log = logging.getLogger(__name__)

EVENT_TYPE = "cx_assess_discussion"
# Messages people write: plain, also sent to the channel, with a file.
PEOPLE_SUBTYPES = (None, "thread_broadcast", "file_share")


@dataclass(frozen=True)
class ThreadMessage:
    """A person's message in a channel thread as an event tells it; ``user_id`` None: deleted."""

    channel_id: str
    thread_ts: str
    ts: str
    user_id: str | None
    text: str = ""


def thread_message(event: dict[str, Any], bot_user_id: str | None) -> ThreadMessage | None:
    """A reply someone wrote in a channel thread, its edit (the new text) or its deletion; None
    for anything else (a bot's message, a message outside a thread, a join, the thread's own
    first message)."""
    subtype, channel = event.get("subtype"), event.get("channel")
    if subtype == "message_deleted":
        old = event.get("previous_message") or {}
        ts, thread_ts = event.get("deleted_ts") or old.get("ts"), old.get("thread_ts")
        if channel and ts and thread_ts and ts != thread_ts:
            return ThreadMessage(channel, thread_ts, ts, None)
        return None
    if subtype == "message_changed":
        message = event.get("message") or {}
    elif subtype in PEOPLE_SUBTYPES:
        message = event
    else:
        return None
    user, ts, thread_ts = message.get("user"), message.get("ts"), message.get("thread_ts")
    if not (channel and user and ts and thread_ts) or ts == thread_ts:
        return None
    if message.get("bot_id") or message.get("subtype") == "bot_message" or user == bot_user_id:
        return None
    return ThreadMessage(channel, thread_ts, ts, user, _unescaped(message.get("text") or ""))


def _unescaped(text: str) -> str:
    """The text as written: Slack sends ``&``, ``<`` and ``>`` as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Discussions:
    """Opens a round's discussion threads, keeps what is written in them, exports them."""

    def __init__(self, store: Store, slack: SlackGateway, clock: Callable[[], datetime]) -> None:
        self.store, self.slack, self.clock = store, slack, clock

    async def open(self, round_: Round, report: Report) -> None:
        """Post a discussion message per disagreement the summary shows and record its ``ts``.

        Call once per round (from the attempt that recorded the summary). A message Slack may
        have posted without saying so (a 5xx, a timeout) is looked for by its metadata and
        never posted again; one that cannot be found is lost rather than doubled.
        """
        shown = shown_disagreements(report)
        for position, result in enumerate(shown, start=1):
            assert not result.below_min_responses  # a withheld area is never a disagreement
            message = discussion_message(report, result, position, len(shown), round_.lang)
            try:
                ts = await self._post(round_, result.id, message.text, message.blocks)
            except SlackCallFailed as exc:
                log.error("round %s: discussion %s not posted: %s", round_.id, position, exc)
                continue
            if ts is not None:
                await self.store.add_discussion(
                    round_.id, result.id, position, round_.channel_id, ts
                )

    async def _post(
        self, round_: Round, area_id: str, text: str, blocks: Sequence[Any]
    ) -> str | None:
        nonce = secrets.token_hex(8)
        metadata = {
            "event_type": EVENT_TYPE,
            "event_payload": {"round_id": round_.id, "area_id": area_id, "post": nonce},
        }
        since = self.clock()
        try:
            return await self.slack.post(round_.channel_id, text, blocks, metadata=metadata)
        except SlackCallFailed as exc:
            if not exc.uncertain:
                raise
            return await self.slack.find_posted(round_.channel_id, nonce, since - LOOK_BACK)

    async def note(self, team_id: str, event: dict[str, Any], bot_user_id: str | None) -> None:
        """Keep, update or forget a reply in a discussion thread of the workspace ``team_id``
        (anything else is ignored)."""
        message = thread_message(event, bot_user_id)
        if message is None:
            return
        if message.user_id is None:
            await self.store.forget_discussion_reply(
                team_id, message.channel_id, message.thread_ts, message.ts
            )
        else:
            await self.store.keep_discussion_reply(
                team_id, message.channel_id, message.thread_ts, message.ts, message.user_id,
                message.text, self.clock(),
            )  # fmt: skip

    async def threads(self, round_id: int) -> list[Discussion]:
        return await self.store.discussions(round_id)

    async def export(self, round_: Round, report: Report, user_id: str) -> None:
        """Upload the full Markdown report with the discussion so far to the caller's DM."""
        threads = await self.threads(round_.id)
        authors = {uid: await self._name(uid) for d in threads for uid in _writers(d)}
        dm = await self.slack.open_dm(user_id)
        await self.slack.upload(
            dm,
            filename=f"cx-assess-{round_.framework.id}-{round_.id}-report.md",
            content=render_markdown(report, round_.lang, threads, authors),
            title=t(round_.lang, "report_file_title"),
        )

    async def _name(self, user_id: str) -> str:
        try:
            return (await self.slack.user(user_id)).name
        except SlackCallFailed:
            return user_id


def _writers(discussion: Discussion) -> dict[str, None]:
    return dict.fromkeys(reply.user_id for reply in discussion.replies)
