"""The fake Slack, also recording what the app showed to whom, with the step that caused it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web

from tests.fakeslack import FakeSlack

JSONDict = dict[str, Any]


class Kind(StrEnum):
    """What kind of thing a reader saw."""

    POST = "post"
    UPDATE = "update"
    EPHEMERAL = "ephemeral"
    FILE = "file"
    VIEW = "view"
    HOME = "home"
    PERSON = "person"  # a person's own message in the channel (a discussion thread)


@dataclass(frozen=True)
class Seen:
    """One thing the app showed to ``reader`` (a user id, or a channel id: all its members)."""

    step: int
    reader: str
    kind: Kind
    text: str
    blocks: list[JSONDict] = field(default_factory=list)
    ts: str = ""
    thread_ts: str = ""
    where: str = ""  # the conversation an ephemeral message shows in
    file: str = ""
    author: str = ""  # who wrote a person's message


class RecordingSlack(FakeSlack):
    """The fake Slack, also keeping every message, update, file and view in `feed`, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.feed: list[Seen] = []
        self.step = 0
        self.actor = ""  # whoever acts in the current step (a views.open names no user)

    def _reader(self, channel_id: str) -> str:
        channel = self.channels[channel_id]
        return (channel.user or channel_id) if channel.is_im else channel_id

    def _see(self, kind: Kind, channel_id: str, message: JSONDict) -> None:
        self.feed.append(
            Seen(
                self.step,
                self._reader(channel_id),
                kind,
                str(message.get("text") or ""),
                list(message.get("blocks") or []),
                ts=str(message["ts"]),
                thread_ts=str(message.get("thread_ts") or ""),
            )
        )

    def _chat_post_message(self, params: JSONDict) -> JSONDict:
        result = super()._chat_post_message(params)
        self._see(Kind.POST, result["channel"], result["message"])
        return result

    def person_writes(
        self, channel_id: str, user: str, text: str, thread_ts: str | None = None
    ) -> JSONDict:
        event = super().person_writes(channel_id, user, text, thread_ts)
        self.feed.append(
            Seen(self.step, channel_id, Kind.PERSON, text, ts=event["ts"],
                 thread_ts=thread_ts or "", author=user)
        )  # fmt: skip
        return event

    def _chat_update(self, params: JSONDict) -> JSONDict:
        result = super()._chat_update(params)
        self._see(Kind.UPDATE, result["channel"], result["message"])
        return result

    def _chat_post_ephemeral(self, params: JSONDict) -> JSONDict:
        result = super()._chat_post_ephemeral(params)
        shown = self.ephemerals[-1]
        self.feed.append(
            Seen(
                self.step,
                shown["user"],
                Kind.EPHEMERAL,
                shown["text"],
                list(shown.get("blocks") or []),
                ts=result["message_ts"],
                where=shown["channel"],
            )
        )
        return result

    def _files_complete_upload_external(self, params: JSONDict) -> JSONDict:
        result = super()._files_complete_upload_external(params)
        for shared in result["files"]:
            record = self.files[shared["id"]]
            for channel_id in shared["channels"]:
                self.feed.append(
                    Seen(
                        self.step,
                        self._reader(channel_id),
                        Kind.FILE,
                        str(record.get("initial_comment") or ""),
                        thread_ts=str(record.get("thread_ts") or ""),
                        file=f"{record['name']} · “{record['title']}”",
                    )
                )
        return result

    def _views_open(self, params: JSONDict) -> JSONDict:
        result = super()._views_open(params)
        view = result["view"]
        title = str((view.get("title") or {}).get("text", ""))
        self.feed.append(Seen(self.step, self.actor, Kind.VIEW, title, view["blocks"]))
        return result

    def _views_publish(self, params: JSONDict) -> JSONDict:
        result = super()._views_publish(params)
        user = str(params["user_id"])
        self.feed.append(Seen(self.step, user, Kind.HOME, "", result["view"]["blocks"]))
        return result

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        response = await super()._handle_response_url(request)
        user, _, where = request.match_info["name"].partition("/")
        if user == "message":
            return response  # a click's card rewritten in place: recorded as its update
        payload = self.responses[-1]
        reader = where if payload.get("response_type") == "in_channel" else user
        kind = Kind.POST if reader == where else Kind.EPHEMERAL
        text, blocks = str(payload.get("text") or ""), list(payload.get("blocks") or [])
        self.feed.append(Seen(self.step, reader, kind, text, blocks, self._next_ts(), where=where))
        return response
