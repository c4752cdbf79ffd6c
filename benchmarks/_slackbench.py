"""Shared plumbing for the HTTP benchmarks: child processes, signed requests, the fake Slack.

Three kinds of process take part, all on 127.0.0.1:

- the **fake Slack** (`tests.fakeslack.FakeSlack`), in its own child process so that the Web API
  calls the app makes cost neither the server under test nor the load generator any CPU time of
  their own; next to it a small *control* server lets the benchmark set up the workspace and read
  the bot's DMs (``python -m benchmarks._slackbench fake``);
- the **server under test**, in its own child process: either the real cx-assess HTTP server
  (``cx-assess serve --http``, i.e. `bot.cli.main`) or a *bare* Bolt app whose listeners only
  ack, on the same stack (`AsyncApp.web_app` under an aiohttp ``AppRunner``, the same signing
  secret verification, the same logging set-up, the same fake Slack for ``auth.test``)
  (``python -m benchmarks._slackbench serve cx|bare PORT``). At exit it writes its peak RSS
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) to ``$BENCH_RUSAGE_FILE``;
- the **load generator**, the benchmark's own process: `SignedClient` posts Slack-signed
  requests and times each one from just before sending until the response has been read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import resource
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from benchmarks._databases import query
from tests.slack_requests import (
    SlackRequest,
    block_actions,
    dm_message,
    event_callback,
    signed_headers,
    slash_command,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
TEAM = "T0001"
CHANNEL = "C0001"
LEAD = "ULEAD"
EVENTS_PATH = "/slack/events"  # = bot.server.EVENTS_PATH (imported lazily in the children)
QUESTION_EVENT = "cx_assess_question"
START_TIMEOUT_S = 30.0

JSONDict = dict[str, Any]
Ready = Callable[[str, "Prompt"], bool]  # (user, their latest DM message) -> done waiting?


class BenchError(RuntimeError):
    """Something the benchmark could not do; the message says what."""


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: the repository importable, no Socket Mode token."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("SLACK_APP_TOKEN", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def rss_kib(pid: int) -> tuple[int, int]:
    """(current, peak) resident set size of ``pid`` in KiB, from ``/proc`` (Linux)."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far, from ``/proc`` (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------- child processes


class Child:
    """A child process started by the benchmark (stopped by its pid, never by name)."""

    def __init__(self, args: Sequence[str], log: Path, env: dict[str, str]) -> None:
        self.args, self.log, self.env = list(args), log, env
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, stdout: int | None = None) -> None:
        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, cwd=ROOT, env=self.env, stdout=stdout, stderr=err
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit within ``timeout``; the exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()

    def tail(self, lines: int = 15) -> str:
        """The end of the child's stderr, for error messages."""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


class FakeSlackProcess(Child):
    """`FakeSlack` plus its control server in a child process."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(["-m", "benchmarks._slackbench", "fake"], tmp / "fake.log", child_env())
        self.api_url = ""
        self.control = ""
        self.site = ""  # the fake's base URL
        self.response_url = ""
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        await self.start(stdout=asyncio.subprocess.PIPE)
        assert self.proc is not None and self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), START_TIMEOUT_S)
            urls = json.loads(line)
        except (TimeoutError, ValueError):
            await self.stop()
            raise BenchError(f"the fake Slack did not start:\n{self.tail()}") from None
        self.api_url, self.control = urls["api_url"], urls["control"]
        self.site = urls["api_url"].removesuffix("/api/")
        self.response_url = self.site + "/response/command"
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.http is not None:
            await self.http.close()
        await self.stop()

    async def _post(self, path: str, body: JSONDict) -> Any:
        assert self.http is not None
        async with self.http.post(self.control + path, json=body) as resp:
            if resp.status != 200:
                raise BenchError(f"fake Slack control {path}: HTTP {resp.status}")
            return await resp.json()

    async def setup(
        self,
        users: Iterable[str],
        channels: dict[str, list[str]],
        limits: dict[str, tuple[float, int]] | None = None,
    ) -> None:
        await self._post(
            "/setup",
            {
                "users": list(users),
                "channels": channels,
                "limits": {m: list(v) for m, v in (limits or {}).items()},
            },
        )

    async def last(self, users: Sequence[str]) -> dict[str, Prompt | None]:
        """The latest message in each user's DM with the bot, as a `Prompt`."""
        found = await self._post("/last", {"channels": [f"D{u}" for u in users]})
        return {
            user: Prompt.from_json(found[f"D{user}"]) if found[f"D{user}"] else None
            for user in users
        }

    async def stats(self, users: Sequence[str] = ()) -> JSONDict:
        """Calls per method, failures, 429s; per listed user the number of questions posted;
        ``last_at``: when the latest Web API call or ``response_url`` post arrived
        (``time.monotonic``, one clock for every process on Linux)."""
        result: JSONDict = await self._post("/stats", {"channels": [f"D{u}" for u in users]})
        return result


@dataclass(frozen=True)
class Prompt:
    """The digest of one bot message in a DM: its ts, what it asks, its buttons."""

    ts: str
    event_type: str | None
    payload: JSONDict
    buttons: tuple[tuple[str, str], ...]  # (action_id, value)

    @classmethod
    def from_json(cls, data: JSONDict) -> Prompt:
        return cls(
            data["ts"],
            data.get("event_type"),
            data.get("payload") or {},
            tuple((a, v) for a, v in data.get("buttons", [])),
        )

    @property
    def is_question(self) -> bool:
        return self.event_type == QUESTION_EVENT

    def button(self, prefix: str) -> tuple[str, str] | None:
        return next(((a, v) for a, v in self.buttons if a.startswith(prefix)), None)

    def levels(self) -> list[tuple[str, str]]:
        """The answer buttons (``cx_answer_N``), in order."""
        return [(a, v) for a, v in self.buttons if a.startswith("cx_answer_")]


class Server(Child):
    """The server under test in a child process: ``kind`` is ``cx``, ``bare`` or ``durable``
    (bare Bolt storing each request first); cx-assess and the durable bare app store in
    ``database`` (a SQLite file in ``tmp`` when not given)."""

    def __init__(
        self, kind: str, tmp: Path, api_url: str, database: str = "", log_level: str = "INFO"
    ) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database or str(tmp / f"{kind}.db")  # a SQLite path or PostgreSQL URL
        self.rusage_file = tmp / f"{kind}.maxrss"
        self.started_in = 0.0  # seconds from spawning the process to a healthy /healthz
        env = child_env(
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=api_url,
            CX_ASSESS_DB=self.database,
            LOG_LEVEL=log_level,
            BENCH_RUSAGE_FILE=str(self.rusage_file),
        )
        args = ["-m", "benchmarks._slackbench", "serve", kind, str(self.port)]
        super().__init__(args, tmp / f"{kind}.log", env)

    async def __aenter__(self) -> Self:
        spawned = time.monotonic()
        await self.start()
        deadline = spawned + START_TIMEOUT_S
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    break
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(self.url + "/healthz") as resp:
                        if resp.status == 200:
                            self.started_in = time.monotonic() - spawned
                            return self
                await asyncio.sleep(0.01)
        await self.stop()
        raise BenchError(f"the {self.kind} server did not become healthy:\n{self.tail()}")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def peak_rss_kib(self) -> int | None:
        """``ru_maxrss`` the server wrote when it exited (KiB on Linux)."""
        try:
            return int(self.rusage_file.read_text())
        except (OSError, ValueError):
            return None


# ---------------------------------------------------------------------- signed requests


@dataclass(frozen=True)
class Request(SlackRequest):
    """A request body as Slack would send it (unsigned: it is signed when sent)."""

    kind: str = ""  # "button", "typed", "command"


def command(
    text: str, response_url: str, user: str = LEAD, channel: str = CHANNEL, trigger: str = "t1"
) -> Request:
    request = slash_command(
        text, user=user, team=TEAM, channel=channel, response_url=response_url, trigger_id=trigger
    )
    return Request(request.body, request.content_type, "command")


def click(user: str, action_id: str, value: str, ts: str, site: str) -> Request:
    """A ``block_actions`` payload for a button in the user's DM, with the ``response_url``
    Slack gives such a click (on the fake Slack at ``site``: it rewrites the clicked message)."""
    response_url = f"{site}/response/message/-/D{user}/{ts}"
    request = block_actions(
        user, TEAM, action_id, value, channel=f"D{user}", ts=ts, response_url=response_url
    )
    return Request(request.body, request.content_type, "button")


def typed(user: str, text: str, event_id: str) -> Request:
    """A ``message.im`` event: the user typed ``text`` in their DM with the bot."""
    request = event_callback(dm_message(user, text), team=TEAM, event_id=event_id)
    return Request(request.body, request.content_type, "typed")


class SignedClient:
    """Posts signed requests to a server and times each from send to response read."""

    def __init__(self, url: str, connections: int = 256) -> None:
        self.url = url + EVENTS_PATH
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def close(self) -> None:
        await self.http.close()

    def headers(self, request: Request) -> dict[str, str]:
        return signed_headers(request, SECRET)

    async def send(
        self, request: Request, headers: dict[str, str] | None = None
    ) -> tuple[int, float]:
        """(HTTP status, seconds from sending to the response read); signs first if needed."""
        headers = headers or self.headers(request)
        data = request.body.encode()
        start = time.perf_counter()
        async with self.http.post(self.url, data=data, headers=headers) as resp:
            await resp.read()
        return resp.status, time.perf_counter() - start

    async def warm(self, connections: int) -> None:
        """Open ``connections`` keep-alive connections: concurrent GETs of the events path,
        which answer 405 before any listener runs (``/healthz`` would write to the database
        each time, one at a time)."""

        async def one() -> None:
            async with self.http.get(self.url) as resp:
                await resp.read()

        await asyncio.gather(*(one() for _ in range(connections)))


async def wait_for(
    users: Sequence[str], fake: FakeSlackProcess, ready: Ready, what: str, timeout: float = 60.0
) -> dict[str, Prompt]:
    """Poll the fake until ``ready(prompt)`` holds for every user's latest DM message."""
    deadline = time.monotonic() + timeout
    pending = list(users)
    found: dict[str, Prompt] = {}
    while pending:
        last = await fake.last(pending)
        for user, prompt in last.items():
            if prompt is not None and ready(user, prompt):
                found[user] = prompt
        pending = [u for u in pending if u not in found]
        if not pending:
            break
        if time.monotonic() > deadline:
            raise BenchError(f"{len(pending)} of {len(users)} participants never got {what}")
        await asyncio.sleep(0.1)
    return found


async def wait_recorded(
    database: str, round_id: int, latest: dict[str, str], timeout: float = 30.0
) -> None:
    """Wait until the database records ``latest[user]`` as each user's prompt message: the
    app's work after posting it is done (stopping the server earlier would cut that work off)."""
    deadline = time.monotonic() + timeout
    while True:
        recorded = dict(
            await query(
                database,
                "SELECT user_id, prompt_ts FROM participants WHERE round_id = ?",
                round_id,
            )
        )
        behind = [u for u, ts in latest.items() if recorded.get(u) != ts]
        if not behind:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"{len(behind)} participants' latest prompt was never recorded")
        await asyncio.sleep(0.1)


async def answers_in_db(
    database: str, round_id: int
) -> tuple[dict[tuple[str, str, str], str], dict[str, int]]:
    """What the database holds: {(user, area, ask): value as text} for every non-empty answer
    field, and each participant's position in the interview."""
    values: dict[tuple[str, str, str], str] = {}
    rows = await query(
        database,
        "SELECT user_id, area_id, current, target, importance FROM answers WHERE round_id = ?",
        round_id,
    )
    for user, area, *fields in rows:
        for ask, value in zip(("current", "target", "importance"), fields, strict=True):
            if value is not None:
                values[(user, area, ask)] = str(value)
    positions = dict(
        await query(
            database, "SELECT user_id, position FROM participants WHERE round_id = ?", round_id
        )
    )
    return values, positions


# ---------------------------------------------------------------------- the fake Slack child


def _digest(message: JSONDict) -> JSONDict:
    buttons = [
        [element["action_id"], element.get("value", "")]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]
    metadata = message.get("metadata") or {}
    return {
        "ts": message["ts"],
        "event_type": metadata.get("event_type"),
        "payload": metadata.get("event_payload"),
        "buttons": buttons,
    }


class _Stamped(list[JSONDict]):
    """The fake's ``response_url`` posts, noting when the latest arrived (its calls carry
    their own time)."""

    last_at = 0.0

    def append(self, item: JSONDict) -> None:
        self.last_at = time.monotonic()
        super().append(item)


async def _run_fake() -> None:
    from aiohttp import web

    from tests.fakeslack import FakeSlack

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with FakeSlack() as slack:
        slack.responses = responses = _Stamped()

        async def setup(request: web.Request) -> web.Response:
            spec = await request.json()
            for i, user in enumerate(spec["users"]):
                slack.add_user(user, locale=("en-US", "es-ES", "de-DE")[i % 3])
            for channel, members in spec["channels"].items():
                slack.add_channel(channel, members, name=channel.lower())
            for method, (rate, burst) in spec["limits"].items():
                slack.rate_limit(method, per_second=rate, burst=burst)
            return web.json_response({"ok": True})

        async def last(request: web.Request) -> web.Response:
            spec = await request.json()
            result = {}
            for channel in spec["channels"]:
                messages = slack.messages(channel)
                result[channel] = _digest(messages[-1]) if messages else None
            return web.json_response(result)

        async def stats(request: web.Request) -> web.Response:
            spec = await request.json()
            methods = Counter(c.method for c in slack.calls)
            failed = Counter(f"{c.method}:{c.error}" for c in slack.calls if not c.ok)
            questions = {
                channel: sum(
                    1
                    for m in slack.messages(channel)
                    if (m.get("metadata") or {}).get("event_type") == QUESTION_EVENT
                )
                for channel in spec["channels"]
            }
            return web.json_response(
                {
                    "calls": methods,
                    "failed": failed,
                    "rate_limited": dict(slack.rate_limited),
                    "fake_errors": [repr(e) for e in slack.errors],
                    "questions": questions,
                    "last_at": max([c.at for c in slack.calls] + [responses.last_at]),
                }
            )

        control = web.Application(client_max_size=64 * 1024 * 1024)
        control.router.add_post("/setup", setup)
        control.router.add_post("/last", last)
        control.router.add_post("/stats", stats)
        runner = web.AppRunner(control, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        print(json.dumps({"api_url": slack.api_url, "control": f"http://127.0.0.1:{port}"}))
        sys.stdout.flush()
        await stop.wait()
        await runner.cleanup()


# ---------------------------------------------------------------------- the servers under test


async def _run_bare(port: int, durable: bool = False) -> None:
    """A Bolt app whose listeners only ack, served like `bot.server.serve` serves cx-assess;
    ``durable``: each first stores the request's body in SQLite as cx-assess stores (WAL,
    ``synchronous = FULL``, aiosqlite), in one statement committed on its own: the least an
    app that acknowledges only what is on the disk can do."""
    import aiosqlite
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_bolt.context.ack.async_ack import AsyncAck

    from bot.config import Settings
    from bot.logs import configure_logging
    from bot.slack_api import make_client

    settings = Settings.from_env()
    configure_logging(
        settings.log_level,
        {
            "SLACK_BOT_TOKEN": settings.slack_bot_token,
            "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        },
    )
    app = AsyncApp(
        client=make_client(settings.slack_bot_token, settings.slack_api_url),
        signing_secret=settings.slack_signing_secret or "",
        logger=logging.getLogger("slack_bolt"),
        # as cx-assess runs (`bot.handlers.acks`): Bolt's default runner would poll for the
        # acknowledgement every 10 ms, a handicap cx-assess does not have
        process_before_response=True,
    )

    db = None
    if durable:
        db = await aiosqlite.connect(settings.database, isolation_level=None)
        for statement in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "CREATE TABLE IF NOT EXISTS received (body TEXT NOT NULL)",
        ):
            await db.execute(statement)

    async def keep(body: dict[str, object]) -> None:
        if db is not None:
            await db.execute("INSERT INTO received (body) VALUES (?)", (json.dumps(body),))

    async def only_ack(ack: AsyncAck, body: dict[str, object]) -> None:
        await keep(body)
        await ack()

    async def nothing(body: dict[str, object]) -> None:
        """Events are acknowledged by Bolt when the listener returns."""
        await keep(body)

    app.action(re.compile(".*"))(only_ack)
    app.command("/cx-assess")(only_ack)
    app.event("message")(nothing)

    application = app.web_app(path=EVENTS_PATH)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application.router.add_get("/healthz", healthz)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await stop.wait()
    await runner.cleanup()
    if db is not None:
        await db.close()


def _serve(kind: str, port: int) -> int:
    profile = os.environ.get("BENCH_PROFILE")  # a path: cProfile the server, for diagnosis
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        if kind == "cx":
            from bot.cli import main as cli

            return cli(["serve", "--http", "--host", "127.0.0.1", "--port", str(port)])
        asyncio.run(_run_bare(port, durable=kind == "durable"))
        return 0
    finally:
        if profile:
            profiler.disable()
            profiler.dump_stats(f"{profile}.{kind}")
        target = os.environ.get("BENCH_RUSAGE_FILE")
        if target:
            Path(target).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _child_main(argv: list[str]) -> int:
    if argv[:1] == ["fake"]:
        asyncio.run(_run_fake())
        return 0
    if len(argv) == 3 and argv[0] == "serve" and argv[1] in ("cx", "bare", "durable"):
        return _serve(argv[1], int(argv[2]))
    print(
        "usage: python -m benchmarks._slackbench fake | serve cx|bare|durable PORT", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
