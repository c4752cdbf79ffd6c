"""`cx-assess serve`: the Slack app over HTTP (``POST /slack/events``) or Socket Mode."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal

import aiohttp
from aiohttp import web
from aiohttp.log import access_logger
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.app import build_app
from bot.config import ConfigError, Settings
from bot.deps import Deps
from bot.frameworks import Catalog
from bot.handlers.middleware import replay_kept
from bot.rounds import BACKGROUND
from bot.serving_lock import serving_lock
from bot.storage import Store
from bot.workspaces import working_for

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _at(body: object, *path: str) -> object:
    """What ``body`` holds at ``path`` (a key per level); None where a level is missing."""
    for key in path:
        body = body.get(key) if isinstance(body, dict) else None
    return body


def _text(body: object, *path: str) -> bool:
    """Whether ``body`` holds a non-empty string at ``path``."""
    found = _at(body, *path)
    return isinstance(found, str) and found != ""


def well_formed(body: object) -> bool:
    """Whether ``body`` has, for its payload type, the fields Bolt and the app read without
    checking: ``command`` and ``user_id`` of a slash command, ``event.type`` of an event,
    ``user.id`` of an interaction, ``view.type`` and ``view.callback_id`` of a view (and the
    form's ``view.state.values`` when submitted), and the ``actions`` (each with an
    ``action_id``) of a button press."""
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    if kind is None:
        return "command" not in body or (_text(body, "command") and _text(body, "user_id"))
    if kind == "event_callback":
        return _text(body, "event", "type")
    if kind in ("url_verification", "app_rate_limited"):
        return True
    if not _text(body, "user", "id"):
        return False
    if kind == "view_submission" and not isinstance(_at(body, "view", "state", "values"), dict):
        return False
    if kind in ("view_submission", "view_closed"):
        return _text(body, "view", "type") and _text(body, "view", "callback_id")
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            isinstance(actions, list)
            and len(actions) > 0
            and all(_text(action, "action_id") for action in actions)
        )
    return True


def refuse_malformed(signing_secret: str) -> Middleware:
    """A request Bolt would fail on with a 500 gets 401 (a timestamp that is not a number) or
    400 (a signed body that is not UTF-8 or not `well_formed`); Bolt handles the rest."""
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != EVENTS_PATH:
            return await handler(request)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not _TIMESTAMP.fullmatch(timestamp):
            return web.Response(status=401, text="invalid request timestamp")
        try:
            body = (await request.read()).decode()  # aiohttp keeps the bytes for Bolt
        except UnicodeDecodeError:
            return web.Response(status=400, text="request body is not UTF-8")
        try:
            if well_formed(parse_body(body, request.content_type)):
                return await handler(request)
        except ValueError:  # json.JSONDecodeError is one
            pass
        if not verifier.is_valid(body, timestamp, request.headers.get("X-Slack-Signature")):
            return web.Response(status=401, text="invalid request signature")
        return web.Response(status=400, text="malformed request body")

    return middleware


@web.middleware
async def workspace_per_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Each HTTP request starts with no workspace at hand (`bot.workspaces.enter` sets one for
    the rest of the request): a connection's next request never inherits the last one's."""
    with working_for(None):
        return await handler(request)


def web_app(app: AsyncApp, deps: Deps) -> web.Application:
    """Bolt's aiohttp application plus ``GET /healthz``: 200 when the database takes a write,
    else 503 with the reason."""
    application = app.web_app(path=EVENTS_PATH)
    application.middlewares.append(refuse_malformed(deps.settings.slack_signing_secret or ""))
    application.middlewares.append(workspace_per_request)

    async def healthz(_: web.Request) -> web.Response:
        try:
            await deps.store.ping()
        except Exception as exc:  # any database failure means unhealthy
            log.error("health check failed: %s", exc)
            return web.json_response({"ok": False, "error": str(exc)}, status=503)
        return web.json_response({"ok": True})

    application.router.add_get("/healthz", healthz)
    return application


async def drain(timeout: float = 10.0) -> None:
    """Wait for the work still running after its acknowledgement: listeners
    (`bot.handlers.acks`) and what they left running (all named `bot.rounds.BACKGROUND`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending := [
        task
        for task in asyncio.all_tasks()
        if not task.done() and task.get_name().startswith(BACKGROUND)
    ]:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"{len(pending)} listeners still running after {timeout} s")
        await asyncio.wait(pending, timeout=remaining)


async def run_clock(deps: Deps) -> None:
    """Posts still due, deadlines and reminders, from the database, so they survive restarts;
    answers (typed or clicked) an instance acknowledged and died before applying, once that is
    certain (as long ago as a post's lease), so that the other instances need no restart to
    apply them."""
    every = deps.settings.tick_seconds
    while True:
        try:
            await deps.rounds.tick()
            rounds = deps.rounds
            replayed = await replay_kept(deps, rounds.clock() - rounds.posts.lease)
            if replayed:
                log.info("applied %s answers another instance had received", replayed)
        except Exception:
            log.exception("scheduled work failed; trying again in %s s", every)
        await asyncio.sleep(every)


async def recover(deps: Deps) -> None:
    """After a (re)start, in the background: answers acknowledged but not applied, then
    fan-outs cut off in the middle (nobody is invited twice)."""
    try:
        replayed = await replay_kept(deps)
        if replayed:
            log.info("applied %s answers received before a restart", replayed)
        await deps.rounds.resume()
    except Exception:
        log.exception("recovery after the restart failed")


def freeze_startup_heap() -> None:
    """Keep what start-up built (modules, frameworks, templates, the Bolt app) out of the
    garbage collector's sight for good: its full collections then scan only what serving
    allocates. Measured in the `ack` benchmark, a full collection took about 20 ms before
    (every acknowledgement waiting behind it) and 2–7 ms after."""
    gc.collect()
    gc.freeze()


async def serve(
    settings: Settings, catalog: Catalog, *, socket: bool, host: str, port: int
) -> None:
    """Run until SIGINT/SIGTERM."""
    if not socket and not settings.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is required in HTTP mode")
    if settings.oauth and socket:
        raise ConfigError(
            "installing through OAuth (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET) needs HTTP mode"
        )
    if not settings.oauth and not settings.slack_bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN (xoxb-...) is required"
            " (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install into many workspaces)"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with serving_lock(settings.database):
        await _serve(settings, catalog, stop, socket=socket, host=host, port=port)


async def _serve(
    settings: Settings, catalog: Catalog, stop: asyncio.Event, *, socket: bool, host: str, port: int
) -> None:
    async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
        log.info("database: %s (%s)", store.engine.name, store.engine.dialect)  # password masked
        app, deps = build_app(settings, catalog, store, session=session)
        freeze_startup_heap()
        clock = asyncio.create_task(run_clock(deps))
        recovery = asyncio.create_task(recover(deps))
        try:
            if socket:
                from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

                handler = AsyncSocketModeHandler(app, settings.slack_app_token)
                try:  # a refused token is a configuration error, not something to retry forever
                    handler.client.wss_uri = await handler.client.issue_new_wss_url()
                except SlackApiError as exc:
                    error = exc.response.get("error")
                    raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error})") from None
                connect = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({connect, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if connect.done():
                    connect.result()
                    log.info("connected to Slack in Socket Mode")
                    await stopping
                connect.cancel()
                await handler.close_async()  # type: ignore[no-untyped-call]
            else:
                # a line per request only at DEBUG (at INFO it cost 3.5 % of the server's CPU)
                access = access_logger if settings.log_level == "DEBUG" else None
                runner = web.AppRunner(web_app(app, deps), access_log=access)
                await runner.setup()
                await web.TCPSite(runner, host, port).start()
                log.info("listening on http://%s:%s%s", host, port, EVENTS_PATH)
                if settings.oauth:
                    log.info("installing into workspaces from /slack/install")
                await stop.wait()
                await runner.cleanup()
            await drain()  # work already acknowledged to Slack finishes before the store closes
        finally:
            for task in (clock, recovery):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
