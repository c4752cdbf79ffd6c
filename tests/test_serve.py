"""`cx-assess serve` as a real process: health check, signed requests, kill -9, restart, logs."""

from __future__ import annotations

import asyncio
import hmac
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.slack_requests import SlackRequest, block_actions, signed_headers, slash_command

pytestmark = pytest.mark.processes

SECRET = "serve-test-secret"
TOKEN = "xoxb-serve-test-token-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, tmp: Path, slack: FakeSlack) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "server.log"
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "CX_ASSESS_DB": str(tmp / "cx.db"),
            "LOG_LEVEL": "DEBUG",
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1",
            "--port", str(self.port), env=self.env, stderr=self.log.open("ab"),
        )  # fmt: skip
        deadline = time.monotonic() + 10
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                try:
                    async with http.get(self.url + "/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.01)
        raise TimeoutError("server did not become healthy")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def post(self, request: SlackRequest) -> int:
        headers = signed_headers(request, SECRET)
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url + "/slack/events", data=request.body, headers=headers) as resp,
        ):
            return resp.status

    async def command(self, text: str, user: str = "ULEAD") -> int:
        return await self.post(
            slash_command(
                text,
                user=user,
                team="T0001",
                channel="C0001",
                response_url="http://127.0.0.1:9/none",
                trigger_id=f"t-{time.monotonic()}",
            )
        )

    async def click(self, user: str, message: dict[str, object], prefix: str) -> int:
        button = next(
            e
            for b in message["blocks"]  # type: ignore[attr-defined]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith(prefix)
        )
        ts = str(message["ts"])
        return await self.post(
            block_actions(
                user, "T0001", button["action_id"], button["value"], channel=f"D{user}", ts=ts
            )
        )


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("ULEAD", locale="en-US")
        fake.add_user("U1", locale="en-US")
        fake.add_user("U2", locale="en-US")
        fake.add_channel("C0001", ["ULEAD", "U1", "U2"])
        yield fake


async def wait_for_dm(slack: FakeSlack, user: str, count: int) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        messages = slack.messages(f"D{user}")
        if len(messages) >= count:
            return messages[count - 1]
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{user} got {len(slack.messages(f'D{user}'))} messages, not {count}")


async def card_shows(slack: FakeSlack, user: str, index: int, text: str) -> None:
    """Wait until the person's ``index``-th DM message shows ``text`` (edited in place)."""
    deadline = time.monotonic() + 10
    while text not in str(slack.messages(f"D{user}")[index]["blocks"]):
        assert time.monotonic() < deadline, f"{user}'s message {index} never showed {text}"
        await asyncio.sleep(0.01)


async def test_kill_9_loses_no_acknowledged_answer_and_resumes(
    tmp_path: Path, slack: FakeSlack
) -> None:
    server = Server(tmp_path, slack)
    await server.start()
    assert await server.command("start cx-pillars <@U1> <@U2>") == 200
    invitation = await wait_for_dm(slack, "U1", 1)
    await wait_for_dm(slack, "U2", 1)
    assert await server.click("U1", invitation, "cx_start") == 200
    question = await wait_for_dm(slack, "U1", 2)
    assert await server.click("U1", question, "cx_answer_2") == 200  # today: 2
    await card_shows(slack, "U1", 1, ":white_check_mark: 2 · Room for improvement")  # applied
    server.kill()
    await server.proc.wait()  # type: ignore[union-attr]

    async with Store.open(str(tmp_path / "cx.db")) as store:
        answers = await store.answers(1)
    assert answers["U1"]["data"].current == 2

    await server.start()  # restart: the same person continues on the same card
    card = slack.messages("DU1")[1]
    assert ":white_check_mark: 2 · Room for improvement" in str(card["blocks"])
    assert await server.click("U1", card, "cx_answer_3") == 200  # a late change of today: 3
    assert await server.click("U1", card, "cx_skip") == 200  # ... then skip the rest: complete
    second = await wait_for_dm(slack, "U1", 3)
    assert second["metadata"]["event_payload"]["index"] == 2  # type: ignore[index]
    invitations = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "U2"]
    assert len(invitations) == 1  # nobody invited twice after the restart
    server.kill()
    await server.proc.wait()  # type: ignore[union-attr]
    log = server.log.read_text()
    assert TOKEN not in log and SECRET not in log
    assert '"POST /slack/events HTTP/1.1" 200' in log  # aiohttp's access log, at DEBUG only


async def test_kill_9_the_moment_a_click_is_acknowledged_loses_nothing(
    tmp_path: Path, slack: FakeSlack
) -> None:
    server = Server(tmp_path, slack)
    await server.start()
    assert await server.command("start cx-pillars <@U1>") == 200
    invitation = await wait_for_dm(slack, "U1", 1)
    assert await server.click("U1", invitation, "cx_start") == 200
    question = await wait_for_dm(slack, "U1", 2)
    assert await server.click("U1", question, "cx_skip") == 200
    server.kill()  # at once: the skip is kept, maybe not yet applied
    await server.proc.wait()  # type: ignore[union-attr]

    await server.start()  # applies what was kept and not applied
    deadline = time.monotonic() + 10
    async with Store.open(str(tmp_path / "cx.db")) as store:
        while (person := await store.participant(1, "U1")) and person.state.position != 1:
            assert time.monotonic() < deadline, person.state
            await asyncio.sleep(0.02)
        assert await store.undone_requests() == []
    server.kill()
    await server.proc.wait()  # type: ignore[union-attr]


async def test_a_bad_timestamp_gets_401_and_a_malformed_signed_body_400_never_500(
    tmp_path: Path, slack: FakeSlack
) -> None:
    server = Server(tmp_path, slack)
    await server.start()

    async def send(body: bytes, content_type: str, timestamp: str | None = None) -> int:
        ts = timestamp or str(int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": "v0="
            + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, "sha256").hexdigest(),
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(server.url + "/slack/events", data=body, headers=headers) as resp,
        ):
            return resp.status

    form, json_type = "application/x-www-form-urlencoded", "application/json"
    try:
        assert await send(b"command=%2Fcx-assess", form, timestamp="abc") == 401
        assert await send(b"command=%2Fcx-assess", form, timestamp="1.7e9") == 401
        assert await send(b"{not json", json_type) == 400
        assert await send(b"[1, 2]", json_type) == 400
        assert await send(b"payload=%7Bbroken", form) == 400
        assert await send(b"payload=%5B1%5D", form) == 400
        assert await send(b'{"type": "\xff\xfe"}', json_type) == 400
        headers = {"content-type": json_type, "x-slack-request-timestamp": "1"}
        async with (  # unsigned and malformed: refused as unsigned
            aiohttp.ClientSession() as http,
            http.post(server.url + "/slack/events", data=b"{", headers=headers) as resp,
        ):
            assert resp.status == 401
        assert await server.command("help") == 200  # a good request still works
    finally:
        server.kill()
        await server.proc.wait()  # type: ignore[union-attr]
    assert "Traceback" not in server.log.read_text()
