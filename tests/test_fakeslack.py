"""The fake Slack server behaves like Slack for the real ``AsyncWebClient``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakeslack import BOT_ID, BOT_USER_ID, TEAM_ID, Call, FakeSlack

BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*How mature is your CX?*"}},
    {
        "type": "actions",
        "block_id": "q1",
        "elements": [
            {"type": "button", "action_id": "a1", "text": {"type": "plain_text", "text": "1"}}
        ],
    },
]
METADATA: dict[str, Any] = {"event_type": "assessment_question", "event_payload": {"q": 1}}


class FakeClock:
    """A manual monotonic clock for deterministic rate-limit tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U1", name="ana", locale="es-ES", tz="Europe/Madrid", tz_offset=3600)
        fake.add_user("U2", name="bob", locale="en-GB", tz="Europe/London", tz_offset=0)
        fake.add_user("UGONE", deleted=True)
        fake.add_channel("C1", ["U1", "U2"], name="cx-team")
        fake.add_channel("COUT", ["U1"], name="elsewhere", bot_is_member=False)
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.api_url)


async def api_error(call: Any) -> SlackApiError:
    """Await ``call`` and return the SlackApiError it must raise."""
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


async def test_server_urls_and_auth_test(slack: FakeSlack, client: AsyncWebClient) -> None:
    assert slack.api_url == f"{slack.url}/api/"
    assert slack.url.startswith("http://127.0.0.1:")
    resp = await client.auth_test()
    assert resp["user"] == "cx-assess"
    assert (resp["team_id"], resp["user_id"], resp["bot_id"]) == (TEAM_ID, BOT_USER_ID, BOT_ID)
    assert resp["url"].startswith("https://")
    assert "chat:write" in resp.headers["x-oauth-scopes"].split(",")
    [call] = slack.calls_to("auth.test")
    assert call.token == "xoxb-test" and call.ok and not call.rejected


async def test_post_message_records_decoded_blocks_and_metadata(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(
        channel="C1", text="Question 1", blocks=BLOCKS, metadata=METADATA
    )
    second = await client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["channel"] == "C1"
    assert abs(float(first["ts"]) - time.time()) < 60  # like Slack's: when it was posted
    assert float(second["ts"]) > float(first["ts"])
    message = first["message"]
    assert message["user"] == BOT_USER_ID and message["ts"] == first["ts"]
    assert message["text"] == "Question 1"
    assert message["blocks"] == BLOCKS and message["metadata"] == METADATA
    assert second["message"]["thread_ts"] == first["ts"]

    call = slack.calls_to("chat.postMessage")[0]
    assert call.http_method == "POST"
    assert call.params["blocks"] == BLOCKS  # a JSON body: objects, not strings
    assert call.params["metadata"] == METADATA
    assert [m["ts"] for m in slack.messages("C1")] == [first["ts"], second["ts"]]


async def test_form_and_query_shapes_decode_json_params(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    form = {"channel": "C1", "text": "x", "blocks": json.dumps(BLOCKS)}
    await client.api_call("chat.postMessage", data=form)  # form-encoded body
    await client.api_call("chat.postMessage", params=form)  # POST, params in the query string
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{slack.api_url}users.info", params={"token": "xoxb-q", "user": "U1"}) as r,
    ):
        body = await r.json()
    assert body["ok"] and body["user"]["id"] == "U1"

    calls = slack.calls_to("chat.postMessage", ok_only=True)
    assert [c.params["blocks"] for c in calls] == [BLOCKS, BLOCKS]
    [get] = slack.calls_to("users.info")
    assert (get.http_method, get.token, get.params) == ("GET", "xoxb-q", {"user": "U1"})


async def test_post_message_channel_errors(slack: FakeSlack, client: AsyncWebClient) -> None:
    err = await api_error(client.chat_postMessage(channel="COUT", text="hi"))
    assert err.response["error"] == "not_in_channel"
    err = await api_error(client.chat_postMessage(channel="CNOPE", text="hi"))
    assert err.response["error"] == "channel_not_found"
    with pytest.warns(UserWarning, match="top-level `text`"):  # slack_sdk warns client-side too
        err = await api_error(client.chat_postMessage(channel="C1"))
    assert err.response["error"] == "no_text"
    err = await api_error(client.chat_postMessage(channel="C1", text="x", blocks=BLOCKS * 26))
    assert err.response["error"] == "invalid_blocks"
    assert len(slack.calls_to("chat.postMessage")) == 4
    assert slack.calls_to("chat.postMessage", ok_only=True) == []
    assert all(c.status == 200 and not c.rejected for c in slack.calls)


async def test_users_info_locale_only_when_asked(slack: FakeSlack, client: AsyncWebClient) -> None:
    user = (await client.users_info(user="U1", include_locale=True))["user"]
    assert user["locale"] == "es-ES"
    assert (user["id"], user["name"], user["tz"], user["tz_offset"]) == (
        "U1",
        "ana",
        "Europe/Madrid",
        3600,
    )
    assert user["is_bot"] is False and user["deleted"] is False
    assert {"real_name", "is_admin", "is_owner"} <= user.keys()
    assert "locale" not in (await client.users_info(user="U2"))["user"]
    assert (await client.users_info(user="UGONE"))["user"]["deleted"] is True
    assert (await client.users_info(user=BOT_USER_ID))["user"]["is_bot"] is True
    err = await api_error(client.users_info(user="UNOBODY"))
    assert err.response["error"] == "user_not_found"
    assert slack.calls_to("users.info")[0].params["include_locale"] == "1"  # bools go as 1/0


async def test_conversations_members_paginates(slack: FakeSlack, client: AsyncWebClient) -> None:
    people = [f"U{i:02d}" for i in range(7)]
    slack.add_channel("CBIG", people)

    pages: list[list[str]] = []
    async for page in await client.conversations_members(channel="CBIG", limit=3):
        pages.append(page["members"])
    assert pages == [people[:3], people[3:6], [people[6], BOT_USER_ID]]
    assert page["response_metadata"]["next_cursor"] == ""
    calls = slack.calls_to("conversations.members")
    assert [c.http_method for c in calls] == ["GET"] * 3
    assert "cursor" not in calls[0].params and calls[1].params["cursor"]

    cursor, seen = "", []
    while True:  # manual cursor loop, default limit
        resp = await client.conversations_members(channel="CBIG", cursor=cursor)
        seen += resp["members"]
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [*people, BOT_USER_ID]

    err = await api_error(client.conversations_members(channel="COUT"))
    assert err.response["error"] == "not_in_channel"
    err = await api_error(client.conversations_members(channel="CNOPE"))
    assert err.response["error"] == "channel_not_found"
    err = await api_error(client.conversations_members(channel="C1", cursor="garbage!"))
    assert err.response["error"] == "invalid_cursor"


async def test_users_list_pages_through_everyone_with_locales_when_asked(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    everyone = list(slack.users)
    seen: list[dict[str, Any]] = []
    async for page in await client.users_list(limit=2, include_locale=True):
        assert len(page["members"]) <= 2
        seen += page["members"]
    assert [u["id"] for u in seen] == everyone  # the bot and deactivated people too
    assert next(u for u in seen if u["id"] == "U1")["locale"] == "es-ES"
    assert "locale" not in (await client.users_list())["members"][0]
    err = await api_error(client.users_list(cursor="garbage!"))
    assert err.response["error"] == "invalid_cursor"


async def test_rate_limit_tiers_follow_slacks_tiers() -> None:
    now = [0.0]
    async with FakeSlack(clock=lambda: now[0]) as slack:
        limits = slack.rate_limit_tiers(speedup=60)
        assert limits["users.list"] == (20.0, 20) and limits["users.info"] == (100.0, 100)
        client = AsyncWebClient(token="xoxb-t", base_url=slack.api_url, retry_handlers=[])
        for _ in range(20):  # a minute's worth at once
            await client.users_list(limit=1)
        err = await api_error(client.users_list(limit=1))
        assert err.response.status_code == 429 and slack.rate_limited["users.list"] == 1
        now[0] += 0.1  # two calls' worth later
        await client.users_list(limit=1)


async def test_conversations_open_is_stable_per_user(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.conversations_open(users="U1")
    again = await client.conversations_open(users=["U1"])
    assert first["channel"]["id"] == again["channel"]["id"] == "DU1"
    assert "already_open" not in first.data and again["already_open"] is True
    assert (await client.conversations_open(users="U2"))["channel"]["id"] == "DU2"

    posted = await client.chat_postMessage(channel="DU1", text="Hi Ana")
    assert posted["channel"] == "DU1"
    by_user = await client.chat_postMessage(channel="U1", text="direct")  # Slack opens the DM
    assert by_user["channel"] == "DU1"
    info = await client.conversations_info(channel="DU1")
    assert info["channel"]["is_im"] is True and info["channel"]["user"] == "U1"

    err = await api_error(client.conversations_open(users="UNOBODY"))
    assert err.response["error"] == "user_not_found"
    err = await api_error(client.conversations_open(users="UGONE"))
    assert err.response["error"] == "user_disabled"
    assert slack.calls_to("conversations.open")[0].params == {"users": "U1"}


async def test_update_ephemeral_permalink_and_info(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="v1")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="v2", blocks=BLOCKS)
    assert updated["ts"] == posted["ts"] and updated["message"]["blocks"] == BLOCKS
    assert slack.messages("C1")[0]["text"] == "v2"
    err = await api_error(client.chat_update(channel="C1", ts="1.000000", text="x"))
    assert err.response["error"] == "message_not_found"

    eph = await client.chat_postEphemeral(channel="C1", user="U2", text="only you")
    assert float(eph["message_ts"]) > float(posted["ts"])
    assert slack.ephemerals[0]["user"] == "U2"
    err = await api_error(client.chat_postEphemeral(channel="C1", user="UGONE", text="x"))
    assert err.response["error"] == "user_not_in_channel"

    link = await client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"].endswith(f"/archives/C1/p{posted['ts'].replace('.', '')}")

    info = (await client.conversations_info(channel="C1", include_num_members=True))["channel"]
    assert (info["name"], info["is_member"], info["num_members"]) == ("cx-team", True, 3)
    assert (await client.conversations_info(channel="COUT"))["channel"]["is_member"] is False


async def test_views_have_ids(slack: FakeSlack, client: AsyncWebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "CX"}, "blocks": BLOCKS}
    opened = await client.views_open(trigger_id="123.456", view=modal)
    view_id = opened["view"]["id"]
    assert view_id.startswith("V") and opened["view"]["blocks"] == BLOCKS
    updated = await client.views_update(view_id=view_id, view={**modal, "blocks": []})
    assert updated["view"]["id"] == view_id and updated["view"]["blocks"] == []
    err = await api_error(
        client.views_update(view_id=view_id, hash=opened["view"]["hash"], view=modal)
    )
    assert err.response["error"] == "hash_conflict"

    home = await client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})
    again = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert home["view"]["id"] == again["view"]["id"]
    assert slack.home_views["U1"]["blocks"] == []


async def test_files_upload_v2_end_to_end(slack: FakeSlack, client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="Your results")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    resp = await client.files_upload_v2(
        content=png,
        filename="chart.png",
        title="CX maturity",
        channel="C1",
        thread_ts=parent["ts"],
        initial_comment="Here is your chart",
    )
    file_id = resp["file"]["id"]
    assert resp["file"]["title"] == "CX maturity"
    assert slack.uploads[file_id] == png

    [get_url] = slack.calls_to("files.getUploadURLExternal")
    assert get_url.params["filename"] == "chart.png"
    assert int(get_url.params["length"]) == len(png)
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.params["files"] == [{"id": file_id, "title": "CX maturity"}]
    assert complete.params["channel_id"] == "C1"
    assert complete.params["thread_ts"] == parent["ts"]
    assert complete.params["initial_comment"] == "Here is your chart"
    record = slack.files[file_id]
    assert (record["channel_id"], record["thread_ts"], record["size"]) == (
        "C1",
        parent["ts"],
        len(png),
    )

    err = await api_error(client.files_upload_v2(content=b"x", filename="a.png", channel="COUT"))
    assert err.response["error"] == "not_in_channel"


async def test_bad_or_missing_token(slack: FakeSlack) -> None:
    bad = AsyncWebClient(token="not-a-slack-token", base_url=slack.api_url)
    err = await api_error(bad.chat_postMessage(channel="C1", text="hi"))
    assert err.response["error"] == "invalid_auth"
    nobody = AsyncWebClient(base_url=slack.api_url)
    err = await api_error(nobody.auth_test())
    assert err.response["error"] == "not_authed"
    assert [(c.token, c.rejected, c.ok) for c in slack.calls] == [
        ("not-a-slack-token", True, False),
        (None, True, False),
    ]
    assert slack.messages("C1") == []


async def test_unknown_method(client: AsyncWebClient) -> None:
    err = await api_error(client.api_call("nope.nothing"))
    assert err.response["error"] == "unknown_method"


async def test_fail_next_ratelimited_without_retry_handler(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage")
    err = await api_error(client.chat_postMessage(channel="C1", text="hi"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "1"
    assert err.response["error"] == "ratelimited"
    await client.chat_postMessage(channel="C1", text="hi")  # only the next call failed

    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, first.rejected, second.status) == (429, True, 200)
    assert slack.calls_to("chat.postMessage", ok_only=True) == [second]
    assert len(slack.messages("C1")) == 1


async def test_retry_handler_recovers_from_injected_429(slack: FakeSlack) -> None:
    # The handler sleeps int(Retry-After) + random(); tests/conftest.py pins the jitter to 0.
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", retry_after=0)
    resp = await client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


async def test_fail_next_other_errors_and_server_errors(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail_next("users.info", "fatal_error")
    slack.fail_next("conversations.open", "service_unavailable", status=503, times=2)
    err = await api_error(client.users_info(user="U1"))
    assert (err.response.status_code, err.response["error"]) == (200, "fatal_error")
    assert "Retry-After" not in err.response.headers
    for _ in range(2):
        err = await api_error(client.conversations_open(users="U1"))
        assert err.response.status_code == 503
    assert (await client.conversations_open(users="U1"))["channel"]["id"] == "DU1"


async def test_rate_limiter_rejects_burst_then_recovers() -> None:
    clock = FakeClock()
    async with FakeSlack(clock=clock) as slack:
        slack.add_channel("C1", [])
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        slack.rate_limit("chat.postMessage", per_second=2, burst=3)

        results = await asyncio.gather(
            *(client.chat_postMessage(channel="C1", text=str(i)) for i in range(5)),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, SlackApiError)]
        assert len(errors) == 2 and len(results) - len(errors) == 3
        assert {e.response.status_code for e in errors} == {429}
        assert {e.response.headers["Retry-After"] for e in errors} == {"1"}
        assert slack.rate_limited["chat.postMessage"] == 2
        assert len(slack.calls_to("chat.postMessage", ok_only=True)) == 3
        assert all(c.rejected for c in slack.calls_to("chat.postMessage") if not c.ok)

        clock.advance(0.5)  # one token back at 2/s
        await client.chat_postMessage(channel="C1", text="again")
        err = await api_error(client.chat_postMessage(channel="C1", text="too soon"))
        assert err.response.status_code == 429
        assert slack.rate_limited["chat.postMessage"] == 3
        assert await client.users_info(user=BOT_USER_ID)  # other methods are unaffected

        slack.rate_limit("users.info", per_second=0.25)  # 1 token per 4 s
        await client.users_info(user=BOT_USER_ID)
        err = await api_error(client.users_info(user=BOT_USER_ID))
        assert err.response.headers["Retry-After"] == "4"
        clock.advance(3.0)
        err = await api_error(client.users_info(user=BOT_USER_ID))
        assert err.response.headers["Retry-After"] == "1"  # rounded up, never 0
        clock.advance(1.0)
        assert await client.users_info(user=BOT_USER_ID)


async def test_wait_for_and_reset(slack: FakeSlack, client: AsyncWebClient) -> None:
    async def later() -> None:
        await asyncio.sleep(0.02)
        await client.chat_postMessage(channel="C1", text="a")
        await client.chat_postMessage(channel="C1", text="b")

    task = asyncio.create_task(later())
    calls = await slack.wait_for("chat.postMessage", count=2, timeout=2.0)
    await task
    assert [c.params["text"] for c in calls] == ["a", "b"]
    assert all(isinstance(c, Call) for c in calls)
    assert calls[0].at <= calls[1].at

    with pytest.raises(TimeoutError, match=r"views\.open"):
        await slack.wait_for("views.open", timeout=0.05)
    slack.reset_calls()
    assert slack.calls == [] and len(slack.messages("C1")) == 2


async def test_response_url_records_posts(slack: FakeSlack) -> None:
    webhook = AsyncWebhookClient(slack.response_url("cmd-1"))
    resp = await webhook.send(text="Thanks!", response_type="ephemeral", replace_original=True)
    assert (resp.status_code, resp.body) == (200, "ok")
    [posted] = await slack.wait_for_responses(1, timeout=1.0)
    assert posted == {"text": "Thanks!", "response_type": "ephemeral", "replace_original": True}


async def test_history_newest_first_with_metadata_only_when_asked(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C1", text="one", metadata=METADATA)
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    second = await client.chat_postMessage(channel="C1", text="two")
    plain = await client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]  # no thread replies
    assert "metadata" not in plain["messages"][1]
    full = await client.conversations_history(channel="C1", include_all_metadata=True, limit=1)
    assert full["messages"][0]["ts"] == second["ts"] and full["has_more"]
    cursor = full["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(
        channel="C1", include_all_metadata=True, cursor=cursor
    )
    assert rest["messages"][0]["metadata"] == METADATA
    newer = await client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["two"]
    assert (await api_error(client.conversations_history(channel="COUT"))).response[
        "error"
    ] == "not_in_channel"


async def test_history_needs_the_history_scope_of_the_conversation() -> None:
    async with FakeSlack(scopes=("chat:write", "im:history")) as slack:
        slack.add_channel("C1", [])
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        error = await api_error(client.conversations_history(channel="C1"))
        assert error.response["error"] == "missing_scope"


async def test_fail_after_posts_then_answers_500(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_after("chat.postMessage")
    error = await api_error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 500 and error.response["error"] == "internal_error"
    assert [m["text"] for m in slack.messages("C1")] == ["hi"]  # posted all the same
    [call] = slack.calls_to("chat.postMessage")
    assert call.status == 500 and not call.rejected
    await client.chat_postMessage(channel="C1", text="again")
    assert len(slack.messages("C1")) == 2


async def test_hang_after_posts_then_answers_too_late(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url, timeout=1)
    slack.hang_after("chat.postMessage", 30)  # closing the fake sends the held answer
    with pytest.raises((asyncio.TimeoutError, aiohttp.ClientError)):
        await client.chat_postMessage(channel="C1", text="hi")
    assert [m["text"] for m in slack.messages("C1")] == ["hi"]


async def test_release_sends_the_held_answers_at_once(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    slack.hang_after("chat.postMessage", 30, times=3)
    posting = [asyncio.create_task(client.chat_postMessage(channel="C1", text=t)) for t in "ab"]
    await slack.wait_for("chat.postMessage", 2)
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in posting)  # held back
    slack.release()
    done = await asyncio.wait_for(asyncio.gather(*posting), 5)
    assert [answer["ok"] for answer in done] == [True, True]
    third = await asyncio.wait_for(client.chat_postMessage(channel="C1", text="c"), 5)
    assert third["ok"]  # the hang still queued was dropped
