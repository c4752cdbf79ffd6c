"""The app's Slack Web API calls, in one place, with typed results and errors.

Retries are slack-sdk's own handlers: ``ratelimited`` (honouring ``Retry-After``) for every
call; connection errors and 5xx answers only for calls that are safe to repeat. A post that
Slack may have made before failing is never repeated here (see `bot.posts`). What still fails
becomes a `SlackCallFailed` carrying Slack's error code, which callers turn into a message for
the user, and whether Slack may have done it anyway (``uncertain``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.pacing import RETRY_TURN_S, rate_limited, turn, went_through

if TYPE_CHECKING:
    from bot.workspaces import Tokens

log = logging.getLogger(__name__)

SLACKBOT = "USLACKBOT"
DEFAULT_TIMEOUT = 30  # seconds, slack-sdk's own default
# Calls that must not be repeated blindly: Slack may have carried out the first one.
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal")
# Errors after which Slack may have done it anyway (its docs say so of internal_error).
UNCERTAIN_ERRORS = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable", "timeout"}
)
# The workspace's token failed, not the person or the channel: tried again later (an uninstalled
# workspace's work waits for `SlackGateway.serves`), never taken as a refusal for good.
WORKSPACE_ERRORS = frozenset(
    {"account_inactive", "invalid_auth", "not_authed", "not_installed", "token_expired",
     "token_refresh_failed", "token_revoked"}
)  # fmt: skip
# How long a workspace whose token failed is left alone (`SlackGateway.serves` is False): the
# clock's work for it waits instead of failing every minute; the first call after it tries again.
TOKEN_FAILED_PAUSE = timedelta(minutes=15)
HISTORY_PAGES = 5
USERS_PAGE = 200  # users.list: Slack's recommended page size (at most 1,000)


class _OnlyIdempotent(AsyncRetryHandler):
    """Applies ``inner`` to the calls that are safe to repeat, never to `NOT_IDEMPOTENT` ones."""

    def __init__(self, inner: AsyncRetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method_of(request) in NOT_IDEMPOTENT:
            return False
        return await self.inner.can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        await self.inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


def _method_of(request: HttpRequest) -> str:
    """The Web API method a request calls (``chat.postMessage``)."""
    return request.url.rstrip("/").rsplit("/", 1)[-1]


class _RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's handler for 429s (sleep ``Retry-After``, then again), which first tells a
    bulk job's `bot.pacing.Pace` that Slack answered 429."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        rate_limited(_method_of(request))
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )
        await turn(within=RETRY_TURN_S)  # the retry, too, waits for the job's pace


def _sdk_logger(name: str) -> logging.Logger:
    """slack-sdk's logger ``name`` with a level of its own: slack-sdk tests ``logger.level``
    (not the effective level) before formatting every request and response body for a DEBUG
    line, so under a NOTSET logger each call paid for that even though nothing was logged.
    Like `bot.logs.QUIET_LOGGERS`, it never logs below INFO."""
    logger = logging.getLogger(name)
    logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))
    return logger


def make_client(
    token: str | None,
    base_url: str,
    session: aiohttp.ClientSession | None = None,
    timeout: int = DEFAULT_TIMEOUT,
) -> AsyncWebClient:
    """A Web API client whose every call (``auth.test`` included) goes to ``base_url``.

    Pass a ``session`` to reuse its connections (without one, every call opens a new one).
    ``timeout`` bounds each request, in seconds.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=timeout,
        logger=_sdk_logger("slack_sdk.web.async_base_client"),
        retry_handlers=[
            _RateLimitRetry(max_retry_count=5),  # a 429 was not carried out
            _OnlyIdempotent(AsyncConnectionErrorRetryHandler(max_retry_count=2)),
            _OnlyIdempotent(AsyncServerErrorRetryHandler(max_retry_count=2)),
        ],
    )


class TokenRefreshFailed(Exception):
    """Slack did not refresh an installed workspace's expiring token (this time)."""


class SlackCallFailed(Exception):
    """A Web API call that failed after retries; ``error`` is Slack's code (``not_in_channel``).

    ``uncertain``: Slack may have carried it out all the same (a 5xx answer, a timeout, a
    connection lost after the request went out).
    """

    def __init__(self, method: str, error: str, *, uncertain: bool = False) -> None:
        self.method, self.error, self.uncertain = method, error, uncertain
        super().__init__(f"{method} failed: {error}")

    @property
    def transient(self) -> bool:
        """Worth trying again later (Slack was busy or unreachable, or the workspace's token
        failed), unlike a refusal."""
        return (
            self.uncertain
            or self.error in ("ratelimited", "connection_error")
            or self.error in WORKSPACE_ERRORS
        )


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    is_bot: bool
    deleted: bool
    is_admin: bool
    locale: str | None
    tz: str | None

    @property
    def is_human(self) -> bool:
        return not (self.is_bot or self.deleted or self.id == SLACKBOT)


def _slack_user(data: dict[str, Any]) -> SlackUser:
    """A ``users.info`` or ``users.list`` user object as a `SlackUser`."""
    return SlackUser(
        id=str(data["id"]),
        name=str(data.get("real_name") or data.get("name") or data["id"]),
        is_bot=bool(data.get("is_bot")),
        deleted=bool(data.get("deleted")),
        is_admin=bool(data.get("is_admin") or data.get("is_owner")),
        locale=data.get("locale"),
        tz=data.get("tz"),
    )


class SlackGateway:
    """Every Web API call the app makes: with the client's token, or with ``tokens`` (OAuth
    mode) the bot token of the workspace at hand (`bot.workspaces`)."""

    def __init__(
        self,
        client: AsyncWebClient,
        tokens: Tokens | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client, self.tokens, self.clock = client, tokens, clock
        self._hook_log = _sdk_logger("slack_sdk.webhook.async_client")
        # When each workspace's token last failed (key None: the one token of a single
        # workspace); forgotten at its next call that goes through.
        self._token_failed: dict[str | None, datetime] = {}

    async def serves(self, team_id: str) -> bool:
        """Whether work for the workspace ``team_id`` can reach Slack: it is installed, and its
        token has not just failed (`token_failed`)."""
        if self.token_failed(team_id):
            return False
        return self.tokens is None or await self.tokens.installed(team_id)

    def token_failed(self, team_id: str) -> bool:
        """Whether the workspace's token failed in the last `TOKEN_FAILED_PAUSE` (its work
        waits; the first call after that tries again)."""
        failed = self._token_failed.get(team_id if self.tokens is not None else None)
        return failed is not None and self.clock() - failed < TOKEN_FAILED_PAUSE

    def _workspace(self) -> str | None:
        return self.tokens.current_team() if self.tokens is not None else None

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        if self.tokens is not None:
            try:
                token = await self.tokens.current()
            except TokenRefreshFailed:  # installed, but no valid token this time: retry later
                self._token_failed[self._workspace()] = self.clock()
                raise SlackCallFailed(method, "token_refresh_failed", uncertain=False) from None
            if token is None:  # never a call with another workspace's token, or a dead one
                log.warning("Slack %s not called: no installation for the workspace", method)
                raise SlackCallFailed(method, "not_installed")
            kwargs["token"] = token
        try:
            response = await getattr(self.client, method.replace(".", "_"))(**kwargs)
        except SlackApiError as exc:
            if exc.response.status_code != 429:  # refused, but the limit let it through
                went_through(method)
            error = str(exc.response.get("error") or exc.response.status_code)
            if error in WORKSPACE_ERRORS:
                self._token_failed[self._workspace()] = self.clock()
            uncertain = exc.response.status_code >= 500 or error in UNCERTAIN_ERRORS
            log.warning("Slack %s failed: %s", method, error)
            raise SlackCallFailed(method, error, uncertain=uncertain) from None
        except aiohttp.ClientConnectorError as exc:  # never reached Slack
            log.warning("Slack %s unreachable: %r", method, exc)
            raise SlackCallFailed(method, "connection_error") from None
        except (aiohttp.ClientError, TimeoutError) as exc:  # the request may have gone out
            log.warning("Slack %s: no answer: %r", method, exc)
            raise SlackCallFailed(method, "timeout", uncertain=True) from None
        went_through(method)
        if self._token_failed:
            self._token_failed.pop(self._workspace(), None)
        data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
        return data

    async def open_dm(self, user_id: str) -> str:
        data = await self._call("conversations.open", users=user_id)
        return str(data["channel"]["id"])

    async def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post a message; returns its ``ts``."""
        data = await self._post_message(channel, text, blocks, metadata, thread_ts)
        return str(data["ts"])

    async def post_dm(
        self, user_id: str, text: str, blocks: Sequence[Block | dict[str, Any]] | None = None
    ) -> tuple[str, str]:
        """Post to the person's DM with the app in one call; returns (DM channel id, ``ts``)."""
        return await self.post_to(user_id, text, blocks)

    async def post_to(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[str, str]:
        """Post; returns (the conversation's id, ``ts``).

        ``chat.postMessage`` takes a user id as its channel (the person's DM with the app),
        which saves a ``conversations.open`` (a lower rate-limit tier) per person.
        """
        data = await self._post_message(channel, text, blocks, metadata)
        return str(data["channel"]), str(data["ts"])

    async def find_posted(self, channel: str, post: str, since: datetime) -> str | None:
        """The ``ts`` of the message in ``channel`` since ``since`` whose metadata payload
        carries ``post`` (a post's nonce), if there is one (``conversations.history``)."""
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            kwargs: dict[str, Any] = {
                "channel": channel,
                "oldest": f"{since.timestamp():.6f}",
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                kwargs["cursor"] = cursor
            data = await self._call("conversations.history", **kwargs)
            for message in data.get("messages", []):
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("post") == post:
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def _post_message(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        optional: dict[str, Any] = {
            "blocks": list(blocks) if blocks is not None else None,
            "metadata": metadata,
            "thread_ts": thread_ts,
        }
        extra = {key: value for key, value in optional.items() if value is not None}
        return await self._call("chat.postMessage", channel=channel, text=text, **extra)

    async def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
    ) -> None:
        await self._call(
            "chat.update", channel=channel, ts=ts, text=text, blocks=list(blocks or [])
        )

    async def replace(
        self, response_url: str, text: str, blocks: Sequence[Block | dict[str, Any]]
    ) -> None:
        """Rewrite the message a button was clicked on through the click's ``response_url``
        (not a Web API method, so outside ``chat.update``'s rate tier)."""
        hook = AsyncWebhookClient(
            response_url,
            timeout=self.client.timeout,
            session=self.client.session,
            logger=self._hook_log,
        )
        try:
            response = await hook.send(text=text, blocks=list(blocks), replace_original=True)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("response_url: no answer: %r", exc)
            raise SlackCallFailed("response_url", "timeout", uncertain=True) from None
        if response.status_code != 200 or response.body != "ok":
            error = response.body or str(response.status_code)
            log.warning("response_url failed: %s", error)
            raise SlackCallFailed("response_url", error)

    async def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks is not None:
            kwargs["blocks"] = list(blocks)
        await self._call("chat.postEphemeral", **kwargs)

    async def members(self, channel: str) -> list[str]:
        """Every member of ``channel``, following the cursor through all pages."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            kwargs: dict[str, Any] = {"channel": channel, "limit": 200}
            if cursor:
                kwargs["cursor"] = cursor
            data = await self._call("conversations.members", **kwargs)
            members.extend(data.get("members", []))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    async def user(self, user_id: str) -> SlackUser:
        data = (await self._call("users.info", user=user_id, include_locale=True))["user"]
        return _slack_user(data)

    async def users(self) -> dict[str, SlackUser]:
        """Everyone in the workspace by id (``users.list`` with locales, every page).

        One call per `USERS_PAGE` people at Tier 2 (about 20 a minute), against one
        ``users.info`` per person at Tier 4 (about 100 a minute): see `bot.rounds.LIST_USERS_ABOVE`.
        """
        found: dict[str, SlackUser] = {}
        cursor: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": USERS_PAGE, "include_locale": True}
            if cursor:
                kwargs["cursor"] = cursor
            data = await self._call("users.list", **kwargs)
            found.update((str(m["id"]), _slack_user(m)) for m in data.get("members", []))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found

    async def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes | str,
        title: str,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Upload a file into a channel or thread (``files_upload_v2``)."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "filename": filename,
            "content": content,
            "title": title,
        }
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if comment:
            kwargs["initial_comment"] = comment
        await self._call("files.upload_v2", **kwargs)

    async def permalink(self, channel: str, ts: str) -> str:
        """The link to the message ``ts`` in ``channel``, to open it from elsewhere."""
        data = await self._call("chat.getPermalink", channel=channel, message_ts=ts)
        return str(data["permalink"])

    async def open_view(self, trigger_id: str, view: View) -> None:
        await self._call("views.open", trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: View) -> None:
        await self._call("views.publish", user_id=user_id, view=view)
