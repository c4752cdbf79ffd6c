"""A fake Slack Web API *server* for end-to-end tests.

``FakeSlack`` runs a real aiohttp server on ``127.0.0.1`` (ephemeral port) that answers the Web API
methods cx-assess uses with Slack-shaped JSON, so the real ``AsyncWebClient`` (and therefore bolt's
``client``/``say``/``respond``) can be exercised without mocks::

    async with FakeSlack() as slack:
        slack.add_user("U1", name="ana", locale="es-ES")
        slack.add_channel("C1", ["U1"])
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        [call] = slack.calls_to("chat.postMessage")

Request shapes: ``AsyncWebClient`` sends JSON bodies (``chat.*``, ``views.*``), *POSTs with the
parameters in the query string* and an empty form body (``conversations.open``, ``auth.test``,
``files.*``) and GETs with a query string (``users.info``, ``conversations.members``). All of them,
plus classic form-encoded bodies, are merged into one ``params`` dict per call. Values arrive as
strings exactly like Slack receives them (booleans become ``"1"``/``"0"``), except the JSON-valued
parameters in :attr:`FakeSlack.JSON_PARAMS` which are decoded when sent as JSON strings.

Faults: :meth:`FakeSlack.fail_next` refuses a call before it runs; :meth:`FakeSlack.fail_after`
lets it take effect, then answers an error (a 500 after posting); :meth:`FakeSlack.hang_after` lets
it take effect, then holds the answer back past the client's timeout (or until
:meth:`FakeSlack.release`); :meth:`FakeSlack.rate_limit` is a token bucket.
``conversations.history`` finds the bot's messages (with their metadata when
``include_all_metadata`` is set), as a client looks for a post whose outcome it does not know.

Workspace: team ``T0001``, bot user ``UBOT`` (bot id ``B0001``, app ``A0001``). More workspaces
on the same server (:meth:`FakeSlack.add_workspace`) each have their own people, channels and
calls; the app installs itself into them through OAuth (:meth:`FakeSlack.register_app`, then
``/oauth/v2/authorize`` and ``oauth.v2.access``, with refresh tokens when rotation is on), each
call goes to the workspace of its token, and a token used on another workspace's person or
conversation, or after :meth:`FakeSlack.revoke`, is refused. Workspaces of an Enterprise Grid
org (:meth:`FakeSlack.add_enterprise`) take an org-wide installation: one token for all of them,
each call going to the workspace holding what it names. Channel ids
starting with ``C`` are public, ``G`` private, ``D`` direct messages. As on Slack, a channel's
member list includes the bot user when the bot is a member.

Socket Mode: ``apps.connections.open`` (app-level ``xapp-`` token only) returns a
``ws://127.0.0.1:PORT/socket?ticket=...`` URL. The websocket greets with ``hello``, answers pings,
carries envelopes pushed by :meth:`FakeSlack.socket_send` to the newest connection and records the
app's acknowledgements in :attr:`FakeSlack.socket_acks`::

    envelope_id = await slack.socket_send("slash_commands", {"command": "/cx-assess", ...})
    ack = await slack.wait_for_ack(envelope_id)  # {"envelope_id": ..., "payload"?: ...}
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import math
import mimetypes
import time
import urllib.parse
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Final, Self

from aiohttp import WSCloseCode, WSMsgType, web

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_NAME",
    "BOT_USER_ID",
    "DEFAULT_SCOPES",
    "METHOD_TIERS",
    "TEAM_ID",
    "TIER_CALLS_PER_MINUTE",
    "Call",
    "FakeSlack",
    "OAuthApp",
]

JSONDict = dict[str, Any]

TEAM_ID: Final = "T0001"
TEAM_NAME: Final = "CX Test"
TEAM_DOMAIN: Final = "cx-test"
BOT_USER_ID: Final = "UBOT"
BOT_ID: Final = "B0001"
APP_ID: Final = "A0001"
BOT_NAME: Final = "cx-assess"
DEFAULT_SCOPES: Final[tuple[str, ...]] = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "im:read",
    "users:read",
    "channels:read",
    "channels:history",
    "groups:read",
    "groups:history",
    "files:write",
)
VALID_TOKEN_PREFIXES: Final = ("xoxb-", "xoxp-", "xoxe.xoxb-")  # xoxe.: a rotating token
APP_TOKEN_PREFIX: Final = "xapp-"
APP_TOKEN_METHODS: Final = frozenset({"apps.connections.open"})
APP_TOKEN_SCOPES: Final = ("connections:write",)
SOCKET_PATH: Final = "/socket"
AUTHORIZE_PATH: Final = "/oauth/v2/authorize"
ENVELOPE_TYPES: Final = frozenset({"events_api", "slash_commands", "interactive"})
_ANSWERED_INTERACTIONS: Final = frozenset({"view_submission", "block_suggestion"})
MAX_MESSAGE_BLOCKS: Final = 50
MAX_VIEW_BLOCKS: Final = 100
_FIRST_TS_MICROS: Final = 1_700_000_000_000_000
_FORM_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Slack's published Web API rate-limit tiers, in calls a minute per workspace and app
# (docs.slack.dev/apis/web-api/rate-limits), and the tier of each method the app calls that has
# one. ``chat.postMessage`` has none: about one message a second per conversation, with a
# workspace-wide ceiling Slack does not publish.
TIER_CALLS_PER_MINUTE: Final = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS: Final = {
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "conversations.history": 3,
    "conversations.members": 4,
    "conversations.open": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "users.info": 4,
    "users.list": 2,
    "views.open": 4,
    "views.publish": 4,
}


@dataclass(frozen=True, slots=True)
class Call:
    """One request received on ``/api/{method}``.

    ``status`` is the HTTP status the fake answered with and ``error`` the Slack error code
    (``None`` when the response had ``"ok": true``). ``rejected`` marks calls refused before the
    method ran: bad/missing token, an injected failure (:meth:`FakeSlack.fail_next`), the rate
    limiter (:meth:`FakeSlack.rate_limit`) or an unparsable body. ``at`` comes from the fake's
    clock (``time.monotonic`` by default).
    """

    method: str
    params: JSONDict
    token: str | None
    at: float
    status: int = 200
    error: str | None = None
    rejected: bool = False
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        """True when the call was delivered and Slack answered ``"ok": true``."""
        return self.status == 200 and self.error is None


class SlackError(Exception):
    """Raised inside method handlers; becomes ``{"ok": false, "error": ...}``."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        rejected: bool = False,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after
        self.rejected = rejected


@dataclass(slots=True)
class _Failure:
    """A queued injected failure. ``after``: the method runs first (its effect stands), then
    the answer is the error, or with ``delay`` the real answer comes that many seconds late."""

    error: str
    status: int
    retry_after: int | None
    after: bool = False
    delay: float = 0.0
    where: Callable[[JSONDict], bool] | None = None  # only calls with matching parameters


@dataclass(slots=True)
class _Bucket:
    """Token bucket: ``rate`` tokens per second, at most ``burst`` stored."""

    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> int | None:
        """Consume a token; return ``None`` if allowed, else the Retry-After seconds (>= 1)."""
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


@dataclass(slots=True)
class _Channel:
    """A conversation in the simulated workspace."""

    id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None
    created: int = 1_700_000_000
    messages: list[JSONDict] = field(default_factory=list)

    @property
    def bot_is_member(self) -> bool:
        """Whether the bot user belongs to the conversation."""
        return BOT_USER_ID in self.members


def _truthy(value: Any) -> bool:
    """Slack's reading of a boolean parameter (``true``/``1``, any case)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true"}


def _csv(value: Any) -> list[str]:
    """A comma-separated string (or a list) as a list of stripped non-empty items."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _encode_cursor(offset: int, kind: str = "member") -> str:
    """An opaque Slack-looking cursor for ``offset``."""
    return base64.b64encode(f"{kind}:{offset}".encode()).decode()


def _decode_cursor(cursor: str, kind: str = "member") -> int:
    """Inverse of :func:`_encode_cursor`; raises ``invalid_cursor``."""
    try:
        prefix, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
        if prefix != kind:
            raise ValueError(cursor)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None


@dataclass(slots=True)
class OAuthApp:
    """The app's credentials and settings as Slack keeps them."""

    client_id: str
    client_secret: str
    redirect_url: str
    rotation: bool = False
    expires_in: int = 43_200  # seconds a rotating bot token lives (Slack's 12 hours)


class FakeSlack:
    """In-process fake of the Slack Web API, ``files.slack.com`` uploads and ``response_url``.

    Use as ``async with FakeSlack() as slack:``; then point clients at :attr:`api_url`.
    ``clock`` drives the rate limiter and :attr:`Call.at` (inject one to test rate limits
    deterministically).
    """

    JSON_PARAMS: ClassVar[frozenset[str]] = frozenset(
        {
            "attachments",
            "blocks",
            "file_uploads",
            "files",
            "inputs",
            "metadata",
            "outputs",
            "unfurls",
            "user_auth_blocks",
            "view",
        }
    )

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        host: str = "127.0.0.1",
        team_id: str = TEAM_ID,
    ) -> None:
        self.team_id = team_id
        self.enterprise_id: str | None = None  # its Enterprise Grid org (`add_enterprise`)
        self._clock = clock
        self._host = host
        self.scopes: list[str] = list(scopes)
        self.url = ""
        self.api_url = ""
        self.calls: list[Call] = []
        self.responses: list[JSONDict] = []
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, JSONDict] = {}
        self.views: dict[str, JSONDict] = {}
        self.home_views: dict[str, JSONDict] = {}
        self.ephemerals: list[JSONDict] = []
        self.users: dict[str, JSONDict] = {}
        self.channels: dict[str, _Channel] = {}
        self.rate_limited: Counter[str] = Counter()
        self.errors: list[Exception] = []  # exceptions raised by the fake's own handlers
        self._locales: dict[str, str] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._ts_micros = _FIRST_TS_MICROS
        self._serial = 0
        self._runner: web.AppRunner | None = None
        self._held: set[asyncio.Future[None]] = set()  # answers `hang_after` holds back
        self._condition: asyncio.Condition | None = None
        # Socket Mode
        self.socket_envelopes: dict[str, JSONDict] = {}  # sent, by envelope_id
        self.socket_acks: dict[str, JSONDict] = {}  # the app's first ack per sent envelope
        self.socket_received: list[str] = []  # every text frame the app sent, in order
        self.socket_pings = 0
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._handlers: dict[str, Callable[[JSONDict], JSONDict]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }
        # Workspaces served alongside this one, and the app's OAuth installations (see
        # `add_workspace`): only on the server's own instance.
        self.workspaces: dict[str, FakeSlack] = {team_id: self}
        self.oauth: OAuthApp | None = None
        self._codes: dict[str, tuple[str, str]] = {}  # code -> (team, installer)
        self._tokens: dict[str, str] = {}  # bot (and refresh) token -> team (or enterprise)
        self.enterprises: dict[str, list[str]] = {}  # Enterprise Grid org -> its workspaces
        self._revoked: set[str] = set()
        self.add_user(BOT_USER_ID, name=BOT_NAME, is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start listening on an ephemeral port and set :attr:`url` / :attr:`api_url`."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{name:.*}", self._handle_response_url)
        app.router.add_get(SOCKET_PATH, self._handle_socket)
        app.router.add_get(AUTHORIZE_PATH, self._handle_authorize)
        self._condition = asyncio.Condition()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{self._host}:{port}"
        self.api_url = f"{self.url}/api/"
        for workspace in self.workspaces.values():
            workspace._condition, workspace.url, workspace.api_url = (
                self._condition, self.url, self.api_url,
            )  # fmt: skip

    async def close(self) -> None:
        """Stop the server (idempotent); open Socket Mode connections are closed first, and
        answers still held back are sent (so that stopping does not wait for them)."""
        self.release()
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` on this server; posts to it land in :attr:`responses`."""
        return f"{self.url}/response/{name}"

    def rewrites(self) -> int:
        """Messages rewritten so far: ``chat.update`` calls and ``replace_original`` posts to a
        click's ``response_url``."""
        replaced = sum(1 for r in self.responses if r.get("replace_original"))
        return len(self.calls_to("chat.update")) + replaced

    def message_response_url(self, channel: str, ts: str, team: str | None = None) -> str:
        """The ``response_url`` of a click on the message ``ts``: posted to with
        ``replace_original``, it rewrites that message (recorded in :attr:`responses` too)."""
        return self.response_url(f"message/{team or '-'}/{channel}/{ts}")

    # ------------------------------------------------------------------ workspace

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        locale: str = "en-US",
        tz: str = "Europe/Madrid",
        tz_offset: int = 3600,
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> JSONDict:
        """Add (or replace) a user; returns the stored ``users.info`` user object."""
        handle = name or user_id.lower()
        real_name = handle.replace(".", " ").replace("_", " ").title()
        user: JSONDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": tz_offset,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": handle,
                "display_name_normalized": handle,
                "team": self.team_id,
            },
        }
        if is_bot and user_id == BOT_USER_ID:
            user["profile"]["bot_id"] = BOT_ID
            user["profile"]["api_app_id"] = APP_ID
        self.users[user_id] = user
        self._locales[user_id] = locale
        return user

    def add_channel(
        self,
        channel_id: str,
        members: list[str],
        *,
        name: str | None = None,
        bot_is_member: bool = True,
        is_private: bool | None = None,
    ) -> None:
        """Add (or replace) a conversation; the bot user is appended when ``bot_is_member``.

        ``is_private`` defaults to ``True`` for ``G``/``D`` ids. A ``D`` id is a DM with the first
        non-bot member.
        """
        roster = [member for member in members if member != BOT_USER_ID]
        if bot_is_member:
            roster.append(BOT_USER_ID)
        is_im = channel_id.startswith("D")
        self.channels[channel_id] = _Channel(
            id=channel_id,
            name=name or ("" if is_im else channel_id.lower()),
            members=roster,
            is_private=channel_id[:1] in {"G", "D"} if is_private is None else is_private,
            is_im=is_im,
            user=next(iter(roster), None) if is_im else None,
        )

    def messages(self, channel_id: str) -> list[JSONDict]:
        """Messages the bot posted (and updated) in ``channel_id``, oldest first."""
        channel = self.channels.get(channel_id)
        return channel.messages if channel else []

    # ------------------------------------------------------------------ people writing

    def person_writes(
        self, channel_id: str, user: str, text: str, thread_ts: str | None = None
    ) -> JSONDict:
        """``user`` writes ``text`` in a channel (in ``thread_ts``'s thread, when given): the
        message is kept as Slack keeps it, and the ``message`` event Slack sends is returned."""
        channel = self.channels[channel_id]
        message: JSONDict = {"type": "message", "user": user, "text": text, "team": self.team_id}
        message["ts"] = self._next_ts()
        if thread_ts:
            message["thread_ts"] = thread_ts
        channel.messages.append(message)
        return {**message, **self._event_place(channel), "event_ts": message["ts"]}

    def person_edits(self, channel_id: str, ts: str, text: str) -> JSONDict:
        """The person edits their message: the ``message_changed`` event Slack sends."""
        channel = self.channels[channel_id]
        message = self._find_message(channel, ts)
        previous = dict(message)
        message.update(text=text, edited={"user": message["user"], "ts": self._next_ts()})
        return {
            "type": "message", "subtype": "message_changed", "hidden": True,
            "message": dict(message), "previous_message": previous,
            "ts": self._next_ts(), **self._event_place(channel),
        }  # fmt: skip

    def person_deletes(self, channel_id: str, ts: str) -> JSONDict:
        """The person deletes their message: the ``message_deleted`` event Slack sends."""
        channel = self.channels[channel_id]
        message = self._find_message(channel, ts)
        channel.messages.remove(message)
        return {
            "type": "message", "subtype": "message_deleted", "hidden": True, "deleted_ts": ts,
            "previous_message": message, "ts": self._next_ts(), **self._event_place(channel),
        }  # fmt: skip

    @staticmethod
    def _event_place(channel: _Channel) -> JSONDict:
        """Where a ``message.channels`` (or, private, ``message.groups``) event happened."""
        return {"channel": channel.id, "channel_type": "group" if channel.is_private else "channel"}

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
        where: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with ``error``.

        ``ratelimited`` defaults to HTTP 429 with ``Retry-After: 1``; other errors default to
        HTTP 200 with ``"ok": false``. ``status`` overrides the HTTP status (e.g. 500/503).
        ``where`` limits it to calls whose parameters it accepts (as for every injection).
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if status is None:
            status = 429 if error == "ratelimited" else 200
        if retry_after is None and status == 429:
            retry_after = 1
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure(error, status, retry_after, where=where) for _ in range(times))

    def recover(self) -> None:
        """Slack is well again: forget every failure still queued."""
        self._failures.clear()

    def fail_after(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 500,
        times: int = 1,
        where: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Let the next ``times`` calls to ``method`` take effect (a message is posted), then
        answer ``error`` with HTTP ``status``: Slack did it but says it failed."""
        if times < 1:
            raise ValueError("times must be >= 1")
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure(error, status, None, True, 0.0, where) for _ in range(times))

    def hang_after(
        self,
        method: str,
        seconds: float,
        *,
        times: int = 1,
        where: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Let the next ``times`` calls to ``method`` take effect, then hold the answer back
        for ``seconds`` (a client with a shorter timeout gives up; the effect stands)."""
        if times < 1 or seconds <= 0:
            raise ValueError("times must be >= 1 and seconds > 0")
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure("", 200, None, True, seconds, where) for _ in range(times))

    def release(self) -> None:
        """Slack is quick again, once a test has seen what happens while answers are held back:
        every answer :meth:`hang_after` holds is sent now, and the hangs still queued are
        dropped (on every workspace; call it on the instance that was started)."""
        for held in self._held:
            if not held.done():
                held.set_result(None)
        for workspace in self.workspaces.values():
            for queue in workspace._failures.values():
                for hang in [failure for failure in queue if failure.delay]:
                    queue.remove(hang)

    def rate_limit(self, method: str, per_second: float, burst: int = 1) -> None:
        """Token-bucket limit ``method``: a full bucket of ``burst``, refilled at ``per_second``.

        Calls finding the bucket empty get HTTP 429 ``ratelimited`` with ``Retry-After`` = whole
        seconds until a token is available (at least 1) and are counted in :attr:`rate_limited`.
        """
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        self._buckets[method] = _Bucket(per_second, burst, float(burst), self._clock())

    def rate_limit_tiers(self, speedup: float = 1.0) -> dict[str, tuple[float, int]]:
        """Limit every method of `METHOD_TIERS` to its tier, ``speedup`` times faster (so that
        a benchmark takes seconds, not minutes), a minute's worth of calls as the burst
        (at least 1), as Slack allows "bursts" within the minute; returns {method: (per second,
        burst)}."""
        limits: dict[str, tuple[float, int]] = {}
        for method, tier in METHOD_TIERS.items():
            per_minute = TIER_CALLS_PER_MINUTE[tier]
            limits[method] = (per_minute / 60 * speedup, per_minute)
            self.rate_limit(method, *limits[method])
        return limits

    def clear_rate_limits(self) -> None:
        """Remove every rate limit and queued failure."""
        self._buckets.clear()
        self._failures.clear()

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """Calls to ``method`` in arrival order (only successful ones with ``ok_only``)."""
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def reset_calls(self) -> None:
        """Forget recorded calls and response_url posts (the workspace state is kept)."""
        self.calls.clear()
        self.responses.clear()

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, ok_only: bool = False
    ) -> list[Call]:
        """Wait until ``count`` calls to ``method`` were recorded; return them all.

        Raises ``TimeoutError`` (listing what was received) after ``timeout`` seconds.
        """
        await self._wait_until(
            lambda: len(self.calls_to(method, ok_only=ok_only)) >= count,
            timeout,
            lambda: f"{count} call(s) to {method}; got {[c.method for c in self.calls]}",
        )
        return self.calls_to(method, ok_only=ok_only)

    async def wait_for_responses(self, count: int = 1, timeout: float = 5.0) -> list[JSONDict]:
        """Wait until ``count`` response_url posts were recorded; return them all."""
        await self._wait_until(
            lambda: len(self.responses) >= count,
            timeout,
            lambda: f"{count} response_url post(s); got {len(self.responses)}",
        )
        return list(self.responses)

    async def _wait_until(
        self, predicate: Callable[[], bool], timeout: float, describe: Callable[[], str]
    ) -> None:
        if self._condition is None:
            raise RuntimeError("FakeSlack is not started")
        async with self._condition:
            try:
                await asyncio.wait_for(self._condition.wait_for(predicate), timeout)
            except TimeoutError:
                raise TimeoutError(f"timed out after {timeout}s waiting for {describe()}") from None

    async def _notify(self) -> None:
        if self._condition is not None:
            async with self._condition:
                self._condition.notify_all()

    # ------------------------------------------------------------------ Socket Mode

    async def socket_send(
        self,
        payload_type: str,
        payload: JSONDict,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Push an envelope to the newest Socket Mode connection; return its ``envelope_id``.

        ``payload_type`` is ``events_api``, ``slash_commands`` or ``interactive``; ``payload`` is
        what the HTTP request body would hold (decoded). ``retry_reason`` defaults to
        ``timeout`` for a retry.
        """
        if payload_type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {payload_type!r}")
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise RuntimeError("no open Socket Mode connection")
        envelope_id = str(uuid.uuid4())
        envelope: JSONDict = {
            "envelope_id": envelope_id,
            "type": payload_type,
            "payload": payload,
            "accepts_response_payload": payload_type == "slash_commands"
            or (payload_type == "interactive" and payload.get("type") in _ANSWERED_INTERACTIONS),
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason or ("timeout" if retry_attempt else ""),
        }
        self.socket_envelopes[envelope_id] = envelope
        await live[-1].send_json(envelope)
        return envelope_id

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        """Wait until an app holds an open Socket Mode connection (its ``hello`` was sent)."""
        await self._wait_until(
            lambda: any(not ws.closed for ws in self._sockets),
            timeout,
            lambda: (
                f"a Socket Mode connection; apps.connections.open calls: "
                f"{[c.error or 'ok' for c in self.calls_to('apps.connections.open')]}"
            ),
        )

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JSONDict:
        """Wait for the app's acknowledgement of ``envelope_id``; return it."""
        await self._wait_until(
            lambda: envelope_id in self.socket_acks,
            timeout,
            lambda: f"the ack of {envelope_id}; acked: {sorted(self.socket_acks)}",
        )
        return self.socket_acks[envelope_id]

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        """The websocket behind an ``apps.connections.open`` URL."""
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid ticket", content_type="text/plain")
        ws = web.WebSocketResponse(autoping=False, timeout=1.0)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        self._sockets.append(ws)
        await self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.PING:
                    self.socket_pings += 1
                    await ws.pong(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._record_socket_frame(str(message.data))
                    await self._notify()
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    def _record_socket_frame(self, text: str) -> None:
        self.socket_received.append(text)
        with contextlib.suppress(ValueError):
            frame = json.loads(text)
            envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
            if envelope_id in self.socket_envelopes:
                self.socket_acks.setdefault(envelope_id, frame)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        at = self._clock()
        target = self  # the workspace the call's token belongs to
        params: JSONDict = {}
        token = self._bearer_token(request)
        headers: dict[str, str] = {}
        delay = 0.0
        try:
            params = await self._read_params(request)
            param_token = params.pop("token", None)
            if token is None and param_token:
                token = str(param_token)
            if method == "oauth.v2.access":
                result, delay = self._oauth_v2_access(params, request), 0.0
            else:
                target = self._workspace_of(token, params)
                result, delay = target._dispatch(method, params, token)
            body = {"ok": True, **result}
            call = Call(method, params, token, at, http_method=request.method)
            status = 200
        except SlackError as exc:
            body = {"ok": False, "error": exc.error}
            status = exc.status
            if exc.retry_after is not None:
                headers["Retry-After"] = str(exc.retry_after)
            call = Call(method, params, token, at, status, exc.error, exc.rejected, request.method)
        except Exception as exc:  # a bug in the fake: answer 500, keep it for the test to see
            self.errors.append(exc)
            body = {"ok": False, "error": "internal_error"}
            status = 500
            call = Call(method, params, token, at, status, "internal_error", False, request.method)
        if token is not None and token.startswith(VALID_TOKEN_PREFIXES):
            headers["x-oauth-scopes"] = ",".join(self.scopes)
            headers["x-accepted-oauth-scopes"] = ""
        elif token is not None and token.startswith(APP_TOKEN_PREFIX):
            headers["x-oauth-scopes"] = ",".join(APP_TOKEN_SCOPES)
            headers["x-accepted-oauth-scopes"] = ",".join(APP_TOKEN_SCOPES)
        target.calls.append(call)
        # Held from the moment the hang was taken off its queue: a `release` cannot miss it.
        held = asyncio.get_running_loop().create_future() if delay else None
        if held is not None:
            self._held.add(held)
        await self._notify()
        if held is not None:
            await self._hold(held, delay)
        return web.json_response(body, status=status, headers=headers)

    async def _hold(self, held: asyncio.Future[None], seconds: float) -> None:
        """Hold an answer back for ``seconds``, or until :meth:`release`."""
        try:
            await asyncio.wait_for(held, seconds)
        except TimeoutError:
            pass
        finally:
            self._held.discard(held)

    async def _read_params(self, request: web.Request) -> JSONDict:
        """Merge query string, form body and JSON body; decode JSON-valued parameters."""
        params: JSONDict = dict(request.query)
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.read())
                except ValueError:
                    raise SlackError("invalid_json", rejected=True) from None
                if not isinstance(body, dict):
                    raise SlackError("invalid_json", rejected=True)
                params.update(body)
            elif request.content_type in _FORM_TYPES:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value.file.read() if isinstance(value, web.FileField) else value
        for key, value in params.items():
            if key in self.JSON_PARAMS and isinstance(value, str):
                # An undecodable value stays a string; the method reports invalid_blocks_format.
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    @staticmethod
    def _bearer_token(request: web.Request) -> str | None:
        """The ``Authorization: Bearer`` token, if any."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def _dispatch(self, method: str, params: JSONDict, token: str | None) -> tuple[JSONDict, float]:
        """The method's answer and how long to hold it back."""
        if not token:
            raise SlackError("not_authed", rejected=True)
        is_app_token = token.startswith(APP_TOKEN_PREFIX)
        if not is_app_token and not token.startswith(VALID_TOKEN_PREFIXES):
            raise SlackError("invalid_auth", rejected=True)
        if is_app_token != (method in APP_TOKEN_METHODS):
            raise SlackError("not_allowed_token_type", rejected=True)
        queue = self._failures.get(method) or deque()
        failure = next((f for f in queue if f.where is None or f.where(params)), None)
        if failure is not None:
            queue.remove(failure)
        if failure is not None and not failure.after:
            raise SlackError(
                failure.error,
                status=failure.status,
                retry_after=failure.retry_after,
                rejected=True,
            )
        bucket = self._buckets.get(method)
        if bucket is not None:
            retry_after = bucket.take(self._clock())
            if retry_after is not None:
                self.rate_limited[method] += 1
                raise SlackError("ratelimited", status=429, retry_after=retry_after, rejected=True)
        handler = self._handlers.get(method)
        if handler is None:
            raise SlackError("unknown_method")
        result = handler(params)
        if failure is None:
            return result, 0.0
        if failure.delay:
            return result, failure.delay
        raise SlackError(failure.error, status=failure.status)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The ``upload_url`` endpoint (files.slack.com/upload/v1/... on real Slack)."""
        file_id = request.match_info["file_id"]
        owner = next((w for w in self.workspaces.values() if file_id in w.files), None)
        if owner is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        data = await request.read()
        if request.content_type == "multipart/form-data":
            form = await request.post()
            data = b""
            for value in form.values():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    break
        owner.uploads[file_id] = data
        owner.files[file_id]["size"] = len(data)
        owner.files[file_id]["uploaded"] = True
        await self._notify()
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        """A ``response_url``: records the posted JSON (or form ``payload``) and answers ok."""
        if request.content_type == "application/json":
            payload = json.loads(await request.read() or b"{}")
        else:
            form = await request.post()
            payload = json.loads(str(form.get("payload", "{}")))
        self.responses.append(payload)
        kind, _, rest = request.match_info["name"].partition("/")
        if kind == "message" and payload.get("replace_original"):
            team, channel, ts = rest.split("/")
            workspace = self.workspaces.get(team, self)
            fields = {k: payload[k] for k in ("text", "blocks") if k in payload}
            try:
                workspace._chat_update({"channel": channel, "ts": ts, **fields})
            except SlackError as exc:
                return web.Response(status=404, text=exc.error, content_type="text/html")
        await self._notify()
        return web.Response(text="ok", content_type="text/html")

    # ------------------------------------------------------------------ workspaces and OAuth

    def add_workspace(self, team_id: str) -> FakeSlack:
        """Another workspace on this server: its own people, channels (an id may exist in
        both), messages and :attr:`calls`. A call goes to the workspace its token belongs to;
        naming a user or conversation that only another workspace has answers ``invalid_auth``
        (a token mix-up fails loudly)."""
        workspace = FakeSlack(clock=self._clock, scopes=self.scopes, team_id=team_id)
        workspace._serial = 100_000_000 * len(self.workspaces)  # file and view ids stay unique
        workspace._condition, workspace.url, workspace.api_url = (
            self._condition, self.url, self.api_url,
        )  # fmt: skip
        self.workspaces[team_id] = workspace
        return workspace

    def add_enterprise(self, enterprise_id: str, teams: Iterable[str]) -> None:
        """An Enterprise Grid org of the workspaces ``teams`` (added with `add_workspace`):
        authorizing with ``team=enterprise_id`` installs the app org-wide, with one bot token
        for every workspace of the org."""
        self.enterprises[enterprise_id] = list(teams)
        for team in teams:
            self.workspaces[team].enterprise_id = enterprise_id

    def register_app(
        self, client_id: str, client_secret: str, redirect_url: str, *, rotation: bool = False
    ) -> OAuthApp:
        """The app as Slack knows it (Basic Information, OAuth & Permissions); with
        ``rotation`` its bot tokens expire and come with refresh tokens."""
        self.oauth = OAuthApp(client_id, client_secret, redirect_url, rotation)
        return self.oauth

    def tokens_of(self, team_id: str) -> set[str]:
        """Every bot token issued to ``team_id`` (refresh tokens left out)."""
        return {
            t for t, team in self._tokens.items() if team == team_id and not t.startswith("xoxe-")
        }

    def revoke(self, team_id: str) -> None:
        """The workspace removes the app: its tokens answer ``token_revoked`` from now on."""
        self._revoked |= {t for t, team in self._tokens.items() if team == team_id}

    async def _handle_authorize(self, request: web.Request) -> web.Response:
        """``/oauth/v2/authorize``: the person (of the workspace in ``team``, else this one)
        approves; Slack sends the browser back to the redirect URL with a code."""
        if self.oauth is None or request.query.get("client_id") != self.oauth.client_id:
            return web.Response(status=400, text="invalid_client_id")
        team = request.query.get("team") or self.team_id
        if team not in self.workspaces and team not in self.enterprises:
            return web.Response(status=400, text="unknown team")
        code = f"code-{uuid.uuid4().hex}"
        self._codes[code] = (team, request.query.get("installer", "UINSTALLER"))
        back = request.query.get("redirect_uri") or self.oauth.redirect_url
        query = {"code": code, "state": request.query.get("state", "")}
        raise web.HTTPFound(f"{back}?{urllib.parse.urlencode(query)}")

    def _oauth_v2_access(self, params: JSONDict, request: web.Request) -> JSONDict:
        """A code (or, with token rotation, a refresh token) for a bot token of its workspace."""
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        app = self.oauth
        if app is None or (client_id, client_secret) != (app.client_id, app.client_secret):
            raise SlackError("invalid_client_id")
        if params.get("grant_type") == "refresh_token":
            refresh = str(params.get("refresh_token") or "")
            if refresh not in self._tokens or refresh in self._revoked:
                raise SlackError("invalid_refresh_token")
            team, installer = self._tokens[refresh], None
        else:
            if str(params.get("code")) not in self._codes:
                raise SlackError("invalid_code")
            team, installer = self._codes.pop(str(params["code"]))
        self._serial += 1
        prefix = "xoxe.xoxb-" if app.rotation else "xoxb-"
        token = f"{prefix}{team}-{self._serial}"
        self._tokens[token] = team
        org_wide = team in self.enterprises
        enterprise = team if org_wide else self.workspaces[team].enterprise_id
        answer: JSONDict = {
            "app_id": APP_ID, "scope": ",".join(self.scopes), "token_type": "bot",
            "access_token": token, "bot_user_id": BOT_USER_ID,
            "team": None if org_wide else {"id": team, "name": f"Workspace {team}"},
            "enterprise": enterprise and {"id": enterprise, "name": f"Org {enterprise}"},
            "is_enterprise_install": org_wide,
        }  # fmt: skip
        if installer is not None:
            answer["authed_user"] = {"id": installer}
        if app.rotation:
            refresh = f"xoxe-1-{team}-{self._serial}"
            self._tokens[refresh] = team
            answer.update(refresh_token=refresh, expires_in=app.expires_in)
        return answer

    def _workspace_of(self, token: str | None, params: JSONDict) -> FakeSlack:
        """The workspace a call goes to: its token's. Tokens not issued through OAuth belong to
        this workspace until the first installation; then they are refused."""
        team = self._tokens.get(token or "")
        if team is None:
            if self._tokens and token and not token.startswith(APP_TOKEN_PREFIX):
                raise SlackError("invalid_auth", rejected=True)
            return self
        if token in self._revoked:
            raise SlackError("token_revoked", rejected=True)
        workspace = self.workspaces[
            self._org_workspace(team, params) if team in self.enterprises else team
        ]
        for key in ("channel", "channel_id", "user", "users", "user_id"):
            for item in _csv(params.get(key)) if isinstance(params.get(key), str) else []:
                elsewhere = any(
                    item in other.users or item in other.channels
                    for other in self.workspaces.values()
                    if other is not workspace
                )
                if elsewhere and item not in workspace.users and item not in workspace.channels:
                    raise SlackError("invalid_auth", rejected=True)
        return workspace

    def _org_workspace(self, enterprise_id: str, params: JSONDict) -> str:
        """The workspace of the org a call with its org-wide token goes to: the one holding
        the users and conversations it names (its first for a call naming none)."""
        teams = self.enterprises[enterprise_id]
        named = [
            item
            for key in ("channel", "channel_id", "user", "users", "user_id")
            if isinstance(params.get(key), str)
            for item in _csv(params[key])
        ]
        return next(
            (
                team
                for team in teams
                if named
                and all(
                    i in self.workspaces[team].users or i in self.workspaces[team].channels
                    for i in named
                )
            ),
            teams[0],
        )

    # ------------------------------------------------------------------ helpers

    def _next_ts(self) -> str:
        """Unique, increasing and, like Slack's, the wall-clock time of the message."""
        self._ts_micros = max(self._ts_micros + 100, time.time_ns() // 1000)
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:010d}"

    def _resolve_channel(self, value: Any, *, allow_user: bool = False) -> _Channel:
        """Find a conversation by id, ``#name`` or (with ``allow_user``) user id → its DM."""
        key = str(value or "").strip()
        channel = self.channels.get(key)
        if channel is None and key:
            wanted = key.removeprefix("#")
            channel = next((c for c in self.channels.values() if c.name == wanted), None)
        if channel is None and allow_user and key in self.users:
            channel = self._open_dm(key)
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise SlackError("channel_not_found")
        return channel

    def _postable_channel(self, value: Any) -> _Channel:
        channel = self._resolve_channel(value, allow_user=True)
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        return channel

    def _open_dm(self, user_id: str) -> _Channel:
        dm_id = f"D{user_id}"
        if dm_id not in self.channels:
            self.channels[dm_id] = _Channel(
                dm_id, "", [user_id, BOT_USER_ID], is_private=True, is_im=True, user=user_id
            )
        return self.channels[dm_id]

    def _find_message(self, channel: _Channel, ts: Any) -> JSONDict:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    @staticmethod
    def _check_blocks(value: Any, limit: int = MAX_MESSAGE_BLOCKS) -> list[JSONDict] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise SlackError("invalid_blocks_format")
        if len(value) > limit or not all(isinstance(b, dict) and "type" in b for b in value):
            raise SlackError("invalid_blocks")
        return value

    def _channel_object(self, channel: _Channel, *, num_members: bool = False) -> JSONDict:
        obj: JSONDict = {"id": channel.id, "created": channel.created, "is_archived": False}
        if channel.is_im:
            user = self.users.get(channel.user or "", {})
            obj.update(is_im=True, is_org_shared=False, user=channel.user, priority=0)
            obj["is_user_deleted"] = bool(user.get("deleted", False))
            return obj
        obj.update(
            name=channel.name,
            name_normalized=channel.name,
            is_channel=not channel.is_private and not channel.is_mpim,
            is_group=channel.is_private and not channel.is_mpim,
            is_im=False,
            is_mpim=channel.is_mpim,
            is_private=channel.is_private,
            is_general=False,
            is_shared=False,
            is_ext_shared=False,
            is_org_shared=False,
            is_member=channel.bot_is_member,
            creator="",
            context_team_id=self.team_id,
        )
        if num_members:
            obj["num_members"] = len(channel.members)
        return obj

    def _build_view(self, view: Any, view_id: str, *, expect_type: str) -> JSONDict:
        if not isinstance(view, dict) or view.get("type") != expect_type:
            raise SlackError("invalid_arguments")
        blocks = self._check_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
        self._serial += 1
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": expect_type,
            "blocks": blocks,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"1700000000.{self._serial:08x}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }

    # ------------------------------------------------------------------ methods

    def _apps_connections_open(self, params: JSONDict) -> JSONDict:
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        return {"url": f"ws{self.url.removeprefix('http')}{SOCKET_PATH}?ticket={ticket}"}

    def _auth_test(self, params: JSONDict) -> JSONDict:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "enterprise_id": self.enterprise_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: JSONDict) -> JSONDict:
        channel = self._postable_channel(params.get("channel"))
        blocks = self._check_blocks(params.get("blocks"))
        text = params.get("text")
        if not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        ts = self._next_ts()
        message: JSONDict = {
            "type": "message",
            "text": text or "",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key):
                message[key] = params[key]
        channel.messages.append(message)
        return {"channel": channel.id, "ts": ts, "message": message}

    def _chat_update(self, params: JSONDict) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._find_message(channel, params.get("ts"))
        blocks = self._check_blocks(params.get("blocks"))
        if "text" in params:
            message["text"] = params["text"] or ""
        if blocks is not None:
            message["blocks"] = blocks
        if "metadata" in params:
            message["metadata"] = params["metadata"]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, params: JSONDict) -> JSONDict:
        channel = self._postable_channel(params.get("channel"))
        user = str(params.get("user") or "")
        if user not in self.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        blocks = self._check_blocks(params.get("blocks"))
        if not params.get("text") and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        ts = self._next_ts()
        self.ephemerals.append(
            {"channel": channel.id, "user": user, "text": params.get("text", ""), "ts": ts}
            | ({"blocks": blocks} if blocks is not None else {})
        )
        return {"message_ts": ts}

    def _chat_get_permalink(self, params: JSONDict) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        message = self._find_message(channel, params.get("message_ts"))
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{message['ts'].replace('.', '')}"
        if "thread_ts" in message:
            link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def _conversations_open(self, params: JSONDict) -> JSONDict:
        if params.get("channel"):
            channel = self._resolve_channel(params["channel"])
            if not (channel.is_im or channel.is_mpim):
                raise SlackError("method_not_supported_for_channel_type")
            existed = True
        else:
            users = _csv(params.get("users"))
            if not users:
                raise SlackError("users_list_not_supplied")
            if len(users) > 8:
                raise SlackError("too_many_users")
            for user_id in users:
                if user_id not in self.users:
                    raise SlackError("user_not_found")
                if self.users[user_id]["deleted"]:
                    raise SlackError("user_disabled")
            if len(users) == 1:
                existed = f"D{users[0]}" in self.channels
                channel = self._open_dm(users[0])
            else:
                roster = [*dict.fromkeys(users), BOT_USER_ID]
                digest = hashlib.sha1(",".join(sorted(roster)).encode()).hexdigest()
                mpim_id = "G" + digest[:10].upper()
                existed = mpim_id in self.channels
                if not existed:
                    name = "mpdm-" + "--".join(self.users[u]["name"] for u in roster) + "-1"
                    self.channels[mpim_id] = _Channel(
                        mpim_id, name, roster, is_private=True, is_mpim=True
                    )
                channel = self.channels[mpim_id]
        body: JSONDict = {
            "channel": self._channel_object(channel)
            if _truthy(params.get("return_im", False))
            else {"id": channel.id}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _conversations_members(self, params: JSONDict) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        try:
            limit = int(params.get("limit") or 100)
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None
        limit = max(1, min(limit, 1000))
        cursor = str(params.get("cursor") or "")
        offset = _decode_cursor(cursor) if cursor else 0
        if not 0 <= offset <= len(channel.members):
            raise SlackError("invalid_cursor")
        end = offset + limit
        return {
            "members": channel.members[offset:end],
            "response_metadata": {
                "next_cursor": _encode_cursor(end) if end < len(channel.members) else ""
            },
        }

    def _conversations_history(self, params: JSONDict) -> JSONDict:
        """Newest first; thread replies left out; metadata only with ``include_all_metadata``."""
        channel = self._resolve_channel(params.get("channel"))
        if not channel.bot_is_member:
            raise SlackError("not_in_channel")
        if channel.is_im:
            scope = "im:history"
        elif channel.is_mpim:
            scope = "mpim:history"
        else:
            scope = "groups:history" if channel.is_private else "channels:history"
        if scope not in self.scopes:
            raise SlackError("missing_scope")
        try:
            oldest = float(params.get("oldest") or 0)
            latest = float(params.get("latest") or math.inf)
            limit = max(1, min(int(params.get("limit") or 100), 999))
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None
        inclusive = _truthy(params.get("inclusive", False))
        metadata = _truthy(params.get("include_all_metadata", False))
        found = [
            {k: v for k, v in m.items() if metadata or k != "metadata"}
            for m in reversed(channel.messages)
            if m.get("thread_ts", m["ts"]) == m["ts"]
            and (
                oldest <= float(m["ts"]) <= latest
                if inclusive
                else oldest < float(m["ts"]) < latest
            )
        ]
        cursor = str(params.get("cursor") or "")
        offset = _decode_cursor(cursor, "history") if cursor else 0
        end = offset + limit
        return {
            "messages": found[offset:end],
            "has_more": end < len(found),
            "pin_count": 0,
            "response_metadata": {
                "next_cursor": _encode_cursor(end, "history") if end < len(found) else ""
            },
        }

    def _conversations_info(self, params: JSONDict) -> JSONDict:
        channel = self._resolve_channel(params.get("channel"))
        num_members = _truthy(params.get("include_num_members", False))
        return {"channel": self._channel_object(channel, num_members=num_members)}

    def _users_info(self, params: JSONDict) -> JSONDict:
        user_id = str(params.get("user") or "")
        if user_id not in self.users:
            raise SlackError("user_not_found")
        user = json.loads(json.dumps(self.users[user_id]))
        if _truthy(params.get("include_locale", False)):
            user["locale"] = self._locales[user_id]
        return {"user": user}

    def _users_list(self, params: JSONDict) -> JSONDict:
        """Every user (the bot and deactivated people too), ``limit`` a page (at most 1,000)."""
        try:
            limit = max(1, min(int(params.get("limit") or 0) or 1000, 1000))
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None
        cursor = str(params.get("cursor") or "")
        offset = _decode_cursor(cursor, "users") if cursor else 0
        ids = list(self.users)
        if not 0 <= offset <= len(ids):
            raise SlackError("invalid_cursor")
        end = offset + limit
        members = [self._users_info({**params, "user": u})["user"] for u in ids[offset:end]]
        return {
            "members": members,
            "cache_ts": 1_700_000_000,
            "response_metadata": {
                "next_cursor": _encode_cursor(end, "users") if end < len(ids) else ""
            },
        }

    def _views_open(self, params: JSONDict) -> JSONDict:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise SlackError("invalid_arguments")
        view = self._build_view(params.get("view"), self._next_id("V"), expect_type="modal")
        self.views[view["id"]] = view
        return {"view": view}

    def _views_update(self, params: JSONDict) -> JSONDict:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        current = self.views.get(str(view_id)) if view_id else None
        if current is None and external_id:
            current = next(
                (v for v in self.views.values() if v["external_id"] == external_id), None
            )
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._build_view(params.get("view"), current["id"], expect_type=current["type"])
        view["root_view_id"] = current["root_view_id"]
        self.views[view["id"]] = view
        for user_id, home in self.home_views.items():
            if home["id"] == view["id"]:
                self.home_views[user_id] = view
        return {"view": view}

    def _views_publish(self, params: JSONDict) -> JSONDict:
        user_id = str(params.get("user_id") or "")
        if user_id not in self.users:
            raise SlackError("user_not_found")
        current = self.home_views.get(user_id)
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view_id = current["id"] if current else self._next_id("V")
        view = self._build_view(params.get("view"), view_id, expect_type="home")
        self.home_views[user_id] = self.views[view_id] = view
        return {"view": view}

    def _files_get_upload_url_external(self, params: JSONDict) -> JSONDict:
        filename = params.get("filename")
        try:
            length = int(params.get("length", ""))
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None
        if not filename or length < 0:
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "title": filename,
            "length": length,
            "size": 0,
            "alt_txt": params.get("alt_txt"),
            "snippet_type": params.get("snippet_type"),
            "uploaded": False,
            "completed": False,
        }
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: JSONDict) -> JSONDict:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        records: list[JSONDict] = []
        for entry in entries:
            record = self.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if record is None or not record["uploaded"]:
                raise SlackError("file_not_found")
            records.append(record)
        channel_ids = _csv(params.get("channels"))
        if params.get("channel_id"):
            channel_ids.insert(0, str(params["channel_id"]))
        channels = [self._postable_channel(cid).id for cid in channel_ids]
        result: list[JSONDict] = []
        for entry, record in zip(entries, records, strict=True):
            record.update(
                title=entry.get("title") or record["name"],
                completed=True,
                channel_id=params.get("channel_id"),
                channels=channels,
                thread_ts=params.get("thread_ts"),
                initial_comment=params.get("initial_comment"),
            )
            result.append(
                {
                    "id": record["id"],
                    "created": 1_700_000_000,
                    "name": record["name"],
                    "title": record["title"],
                    "mimetype": mimetypes.guess_type(record["name"])[0]
                    or "application/octet-stream",
                    "size": record["size"],
                    "user": BOT_USER_ID,
                    "channels": channels,
                    "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/"
                    f"{record['id']}/{record['name']}",
                }
            )
        return {"files": result}
