"""`cx-assess serve --socket` as a real process against the fake's Socket Mode websocket."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.storage import Store
from tests.fakeslack import APP_ID, BOT_USER_ID, TEAM_ID, FakeSlack

pytestmark = pytest.mark.processes

BOT_TOKEN = "xoxb-socket-test-bot-token-123"
APP_TOKEN = "xapp-1-A0001-socket-test-app-token-456"
CX_ASSESS = Path(sys.executable).with_name("cx-assess")
CHANNEL = "C0001"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("ULEAD", name="lea", locale="en-US")
        fake.add_user("U1", name="ana", locale="en-US")
        fake.add_channel(CHANNEL, ["ULEAD", "U1"], name="cx-team")
        yield fake


@pytest.fixture
async def server(tmp_path: Path, slack: FakeSlack) -> AsyncIterator[asyncio.subprocess.Process]:
    """``cx-assess serve --socket`` (no signing secret); SIGKILLed at the end if still running."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "CX_ASSESS_DB": str(tmp_path / "cx.db"),
        "LOG_LEVEL": "DEBUG",
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    with (tmp_path / "server.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            CX_ASSESS, "serve", "--socket", env=env, stderr=log, cwd=tmp_path
        )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def until(what: str, probe: Callable[[], Any], timeout: float = 3.0) -> Any:
    """Poll ``probe`` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
    return found


def button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The first button of ``message`` whose action_id starts with ``prefix``."""
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id", "").startswith(prefix):
                return {**element, "block_id": block.get("block_id", "")}
    raise AssertionError(f"no {prefix} button in {message.get('text')!r}")


async def test_fake_issues_socket_urls_for_app_tokens_only(slack: FakeSlack) -> None:
    app = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    url = (await app.apps_connections_open(app_token=APP_TOKEN))["url"]
    assert url.startswith(f"{slack.url.replace('http', 'ws', 1)}/socket?ticket=")
    for token, error in [(BOT_TOKEN, "not_allowed_token_type"), ("nope", "invalid_auth")]:
        with pytest.raises(SlackApiError) as info:
            await app.apps_connections_open(app_token=token)
        assert info.value.response["error"] == error
    with pytest.raises(SlackApiError) as info:  # an app-level token cannot post as the bot
        await AsyncWebClient(token=APP_TOKEN, base_url=slack.api_url).auth_test()
    assert info.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(RuntimeError):
        await slack.socket_send("events_api", {})


async def test_socket_mode_end_to_end(
    tmp_path: Path, slack: FakeSlack, server: asyncio.subprocess.Process
) -> None:
    log = tmp_path / "server.log"
    try:
        await slack.wait_for_socket(timeout=5.0)
    except TimeoutError as exc:
        raise AssertionError(log.read_text()[-3000:]) from exc
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN and opened.ok
    await until("the client's first ping", lambda: slack.socket_pings)

    # /cx-assess start cx-pillars <@U1>
    command = {
        "token": "verification-token",
        "team_id": TEAM_ID,
        "team_domain": "cx-test",
        "channel_id": CHANNEL,
        "channel_name": "cx-team",
        "user_id": "ULEAD",
        "user_name": "lea",
        "command": "/cx-assess",
        "text": "start cx-pillars <@U1>",
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": slack.response_url("start"),
        "trigger_id": "1111.2222.socket-start",
    }
    envelope_id = await slack.socket_send("slash_commands", command)
    assert await slack.wait_for_ack(envelope_id, timeout=3.0) == {"envelope_id": envelope_id}
    [announcement] = await until("the announcement", lambda: slack.messages(CHANNEL))
    assert "<@ULEAD> started a *CX maturity: five pillars* assessment" in announcement["text"]
    [invitation] = await until("U1's invitation", lambda: slack.messages("DU1"))
    assert "invites you" in invitation["text"]
    [reply] = await slack.wait_for_responses(1, timeout=3.0)  # respond() to the lead
    assert reply["response_type"] == "ephemeral" and "Invited 1" in reply["text"]

    # U1 clicks Start on the invitation
    start = button(invitation, "cx_start")
    click = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "ana", "name": "ana", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": invitation["ts"],
            "channel_id": "DU1",
            "is_ephemeral": False,
        },
        "trigger_id": "1111.2222.socket-click",
        "team": {"id": TEAM_ID, "domain": "cx-test"},
        "channel": {"id": "DU1", "name": "directmessage"},
        "message": invitation,
        "response_url": slack.message_response_url("DU1", invitation["ts"]),
        "actions": [
            {
                "type": "button",
                "action_id": start["action_id"],
                "block_id": start["block_id"],
                "value": start["value"],
                "text": start["text"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    envelope_id = await slack.socket_send("interactive", click)
    assert (await slack.wait_for_ack(envelope_id, timeout=3.0))["envelope_id"] == envelope_id
    [question] = await until("the first question", lambda: slack.messages("DU1")[1:])
    assert question["metadata"]["event_payload"] == {
        "round_id": 1, "area_id": "data", "index": 1, "total": 5
    }  # fmt: skip

    # U1 types "2" in the DM
    typed = {
        "token": "verification-token",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {
            "type": "message",
            "channel": "DU1",
            "channel_type": "im",
            "user": "U1",
            "text": "2",
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
        },
        "type": "event_callback",
        "event_id": "Ev0SOCKET0001",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True},
        ],
    }
    envelope_id = await slack.socket_send("events_api", typed)
    assert await slack.wait_for_ack(envelope_id, timeout=3.0) == {"envelope_id": envelope_id}
    # (the first rewrite was the invitation's, after Start, through the click's response_url)
    await until("the card updated", lambda: slack.rewrites() == 2)
    assert ":white_check_mark: 2 · " in str(slack.messages("DU1")[1]["blocks"])  # today: 2

    # Slack redelivers the same event (same event_id): acked, applied only once
    envelope_id = await slack.socket_send("events_api", typed, retry_attempt=1)
    assert slack.socket_envelopes[envelope_id]["retry_reason"] == "timeout"
    assert await slack.wait_for_ack(envelope_id, timeout=3.0) == {"envelope_id": envelope_id}
    await asyncio.sleep(0.3)
    assert len(slack.messages("DU1")) == 2 and slack.rewrites() == 2
    async with Store.open(str(tmp_path / "cx.db")) as store:
        answers = await store.answers(1)
    assert answers["U1"]["data"].current == 2
    assert answers["U1"]["data"].target is None

    server.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(server.wait(), 5.0) == 0
    text = log.read_text()
    assert "connected to Slack in Socket Mode" in text
    assert APP_TOKEN not in text and BOT_TOKEN not in text
    assert slack.errors == []


@pytest.fixture
def refused(slack: FakeSlack) -> None:
    """Slack refuses the app token (revoked, or from another app); request before ``server``."""
    slack.fail_next("apps.connections.open", "invalid_auth", times=100)


async def test_refused_app_token_is_a_config_error(
    tmp_path: Path, slack: FakeSlack, refused: None, server: asyncio.subprocess.Process
) -> None:
    await slack.wait_for("apps.connections.open", timeout=5.0)
    assert await asyncio.wait_for(server.wait(), 2.0) == 1
    assert "SLACK_APP_TOKEN" in (tmp_path / "server.log").read_text()
