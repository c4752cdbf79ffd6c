"""One deployment, many workspaces: installed through OAuth (``/slack/install`` →
``/slack/oauth_redirect`` → ``oauth.v2.access`` on the fake Slack), each workspace's Slack calls
with its own token, nothing crossing, and a workspace that leaves stops getting work."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import urllib.parse
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape

import aiohttp
import pytest
from aiohttp import web

from bot.app import build_app
from bot.config import Settings
from bot.flows.interview import Phase
from bot.handlers.middleware import replay_kept
from bot.model import RoundStatus
from bot.server import web_app
from bot.slack_api import TOKEN_FAILED_PAUSE
from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.handlers.conftest import CHANNEL, SECRET, Clock, Harness, bundled, settle
from tests.slack_requests import (
    SlackRequest,
    block_actions,
    dm_message,
    event_callback,
    view_submission,
)

CLIENT_ID, CLIENT_SECRET = "111.222", "oauth-client-secret"
TEAMS = ("TA", "TB")


def people(slack: FakeSlack, team: str) -> list[str]:
    """The workspace's lead and three people, all in the channel ``C0001`` (an id both
    workspaces have); people's ids differ between workspaces, as on Slack."""
    users = [f"U{team}LEAD", f"U{team}1", f"U{team}2", f"U{team}3"]
    for user in users:
        slack.add_user(user, name=user.lower())
    slack.add_channel(CHANNEL, users, name=f"cx-{team.lower()}")
    return users


async def install(http: aiohttp.ClientSession, app_url: str, team: str) -> int:
    """A person of ``team`` installs the app as in a browser: the Add to Slack page (which sets
    the state cookie), Slack's authorize page (which approves and sends them back to the
    redirect URL with a code), the redirect (with the cookie); the redirect's status."""
    async with http.get(f"{app_url}/slack/install?team={team}") as page:
        assert page.status == 200
        match = re.search(r'href="([^"]+/oauth/v2/authorize[^"]+)"', await page.text())
        cookie = page.cookies["slack-app-oauth-state"]  # Secure: a jar keeps it from http://
    assert match is not None
    async with http.get(unescape(match.group(1)), allow_redirects=False) as approved:
        assert approved.status == 302
        back = approved.headers["Location"]
    async with http.get(back, headers={"Cookie": f"{cookie.key}={cookie.value}"}) as done:
        await done.read()
        return done.status


@contextlib.asynccontextmanager
async def serving(
    db_url: str, teams: tuple[str, ...], enterprise: str | None = None
) -> AsyncIterator[tuple[FakeSlack, dict[str, Harness]]]:
    """The app in OAuth mode and the fake Slack with the workspaces ``teams`` (all of the
    Enterprise Grid org ``enterprise``, when one is named); a harness for each workspace."""
    clock = Clock()
    async with FakeSlack() as slack:
        settings = Settings(
            database=db_url,
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
        )
        async with Store.open(db_url) as store, aiohttp.ClientSession() as session:
            app, deps = build_app(settings, bundled(), store, clock=clock, session=session)
            runner = web.AppRunner(web_app(app, deps))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            slack.register_app(CLIENT_ID, CLIENT_SECRET, f"{url}/slack/oauth_redirect")
            async with aiohttp.ClientSession() as http:
                harnesses = {}
                for n, team in enumerate(teams):
                    workspace = slack.add_workspace(team)
                    people(workspace, team)
                    # Slack's trigger and event ids are unique across workspaces.
                    first = 1000 * n
                    harnesses[team] = Harness(
                        workspace, deps, url, http, clock, first, team, enterprise
                    )
                if enterprise is not None:
                    slack.add_enterprise(enterprise, teams)
                yield slack, harnesses
            await settle()
            await runner.cleanup()


@pytest.fixture
async def served(db_url: str) -> AsyncIterator[tuple[FakeSlack, dict[str, Harness]]]:
    async with serving(db_url, TEAMS) as served:
        yield served


async def run_round(h: Harness, level: int) -> None:
    """Start a round in ``C0001`` and have the three people answer ``level`` everywhere."""
    team = h.team
    lead = f"U{team}LEAD"
    invited = " ".join(f"<@U{team}{n}>" for n in (1, 2, 3))
    assert await h.command(f"start cx-pillars {invited}", user=lead) == 200
    await asyncio.gather(*(h.answer_all(f"U{team}{n}", level, 3, 2, cards=5) for n in (1, 2, 3)))
    await h.command("status", user=lead)
    await h.command("close", user=lead)


def every_call_used_its_own_token(slack: FakeSlack, teams: tuple[str, ...] = TEAMS) -> None:
    for team in teams:
        calls = slack.workspaces[team].calls
        assert calls and {c.token for c in calls} <= slack.tokens_of(team)
        assert all(c.ok for c in calls), [(c.method, c.error) for c in calls if not c.ok]
    assert {c.method for c in slack.calls} <= {"oauth.v2.access"}  # no stray token


async def test_two_workspaces_installed_through_oauth_never_mix(served) -> None:
    slack, h = served
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    assert await install(h["TB"].http, h["TB"].url, "TB") == 200
    assert slack.tokens_of("TA") and slack.tokens_of("TB")
    assert not slack.tokens_of("TA") & slack.tokens_of("TB")

    await asyncio.gather(run_round(h["TA"], 1), run_round(h["TB"], 3))
    every_call_used_its_own_token(slack)
    for team, other, score in (("TA", "TB", 1.0), ("TB", "TA", 3.0)):
        workspace = slack.workspaces[team]
        posted = str([m for c in workspace.channels.values() for m in c.messages])
        assert f"U{other}" not in posted  # not a name, an invitation or a DM of the other
        [summary] = [
            m
            for m in workspace.messages(CHANNEL)
            if (m.get("metadata") or {}).get("event_type") == "cx_assess_summary"
        ]
        stage = "needs-action" if team == "TA" else "excellent"
        assert summary["metadata"]["event_payload"]["overall_stage"] == stage
        [closed] = await h[team].deps.store.rounds_in_channel(team, CHANNEL)
        assert closed.status is RoundStatus.CLOSED and closed.result is not None
        assert closed.result["overall"]["score"] == score
        assert closed.result["participants"]["completed"] == 3
    statuses = [
        r["text"] for r in slack.responses if "<@U" in r["text"] and not r.get("replace_original")
    ]
    assert len(statuses) == 2
    for text in statuses:
        assert ("UTA" in text) != ("UTB" in text)  # each status names one workspace's people

    # TB removes the app while a round of each workspace is open with a deadline.
    for team in TEAMS:
        assert (
            await h[team].command(
                f"start cx-pillars <@U{team}1> --deadline 2026-11-25", user=f"U{team}LEAD"
            )
            == 200
        )
    calls_before = len(slack.workspaces["TB"].calls)
    slack.revoke("TB")
    uninstalled = event_callback({"type": "app_uninstalled"}, team="TB", event_id="EvGone")
    assert await h["TB"].send(uninstalled) == 200
    assert await h["TB"].deps.store.team_bot("TB") is None

    h["TA"].clock.now += timedelta(days=1)
    await h["TA"].deps.rounds.tick()
    await h["TA"].deps.rounds.tick()  # and again: nothing is retried for TB
    await settle()
    assert len(slack.workspaces["TB"].calls) == calls_before  # no call, not even refused
    assert not [c for c in slack.calls if c.error == "token_revoked"]
    [open_b, _] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    [closed_a, _] = await h["TA"].deps.store.rounds_in_channel("TA", CHANNEL)
    assert open_b.status is RoundStatus.OPEN  # its work waits (or `cx-assess data delete`)
    assert closed_a.status is RoundStatus.CLOSED  # the other workspace goes on
    every_call_used_its_own_token(slack)


async def test_forged_payloads_naming_the_other_workspaces_round_are_refused(served) -> None:
    slack, h = served
    for team in TEAMS:
        assert await install(h[team].http, h[team].url, team) == 200
        await h[team].command(f"start cx-pillars <@U{team}1>", user=f"U{team}LEAD")
    [round_b] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    await h["TB"].press("UTB1", "cx_start")
    action_id, value, _ = h["TB"].row_button("UTB1", 1)
    calls_in_b = len(slack.workspaces["TB"].calls)

    # A's lead closes B's round by its id; A's person answers on B's card.
    await h["TA"].click("UTALEAD", "cx_close_anyway", str(round_b.id), channel="DUTALEAD", ts="1.1")
    ts = h["TA"].last_dm("UTA1")["ts"]
    await h["TA"].click("UTA1", action_id, value, channel="DUTA1", ts=ts)
    # The same button with A's own round closes it (the refusal above was about B).
    [round_a] = await h["TA"].deps.store.rounds_in_channel("TA", CHANNEL)
    await h["TA"].click("UTALEAD", "cx_close_anyway", str(round_a.id), channel="DUTALEAD", ts="1.2")

    [still_open] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    assert still_open.status is RoundStatus.OPEN
    assert "UTA1" not in await h["TB"].deps.store.answers(round_b.id)
    assert len(slack.workspaces["TB"].calls) == calls_in_b
    [closed_a] = await h["TA"].deps.store.rounds_in_channel("TA", CHANNEL)
    assert closed_a.status is RoundStatus.CLOSED
    every_call_used_its_own_token(slack)


async def test_rotating_tokens_are_refreshed_and_kept(served) -> None:
    slack, h = served
    assert slack.oauth is not None
    slack.oauth.rotation, slack.oauth.expires_in = True, 60  # always due: refreshed on use
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    [first] = slack.workspaces["TA"].calls[-1:]  # the flow's auth.test with the new token
    await h["TA"].command("start cx-pillars <@UTA1>", user="UTALEAD")
    refreshes = [c for c in slack.calls if c.params.get("grant_type") == "refresh_token"]
    assert refreshes and all(c.ok for c in slack.calls)
    used = {c.token for c in slack.workspaces["TA"].calls}
    assert used <= slack.tokens_of("TA") and len(used) > 1
    bot = await h["TA"].deps.store.team_bot("TA")
    assert bot is not None and bot["bot_token"] != first.token
    assert bot["bot_token"] == slack.workspaces["TA"].calls[-1].token  # the latest is kept
    assert h["TA"].dm_messages("UTA1")  # the invitation went out


async def test_revoked_bot_token_stops_the_workspace(served) -> None:
    slack, h = served
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    assert await h["TA"].deps.slack.serves("TA")
    slack.revoke("TA")
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}
    assert await h["TA"].send(event_callback(revoked, team="TA", event_id="EvRevoked")) == 200
    assert not await h["TA"].deps.slack.serves("TA")
    assert await h["TA"].deps.store.find_installation(None, "TA") is not None  # who installed


async def test_a_typed_answer_kept_over_a_restart_is_applied_in_its_workspace(served) -> None:
    slack, h = served
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    await h["TA"].command("start cx-pillars <@UTA1>", user="UTALEAD")
    await h["TA"].press("UTA1", "cx_start")
    kept = {**dm_message("UTA1", "2"), "team": "TA"}  # as the middleware keeps it
    assert await h["TA"].deps.store.first_time("event:EvBeforeCrash", kept)
    calls = len(slack.workspaces["TA"].calls)
    assert await replay_kept(h["TA"].deps) == 1  # at start-up: no request, no workspace yet
    [moved_on] = slack.workspaces["TA"].calls[calls:]
    assert moved_on.method == "chat.update" and moved_on.params["channel"] == "DUTA1"
    assert await h["TA"].deps.store.undone_requests() == []
    every_call_used_its_own_token(slack, ("TA",))


def as_of(request: SlackRequest, user_team: str) -> SlackRequest:
    """``request`` (a payload from its workspace, ``team.id``) with ``user.team_id`` naming
    another workspace: what Bolt authorizes is the former, so the app must act for it."""
    payload = json.loads(urllib.parse.unquote(request.body.removeprefix("payload=")))
    payload["user"]["team_id"] = user_team
    return SlackRequest("payload=" + urllib.parse.quote(json.dumps(payload)), request.content_type)


async def test_a_payload_naming_another_team_for_its_user_acts_only_for_its_own_workspace(
    served,
) -> None:
    slack, h = served
    for team in TEAMS:
        assert await install(h[team].http, h[team].url, team) == 200
    slack.workspaces["TA"].add_user("UTAADMIN", name="ta-admin", is_admin=True)
    await run_round(h["TB"], 1)  # B's round closed, with its roadmap (top gaps)
    await h["TB"].command("start cx-pillars <@UTB1>", user="UTBLEAD")
    [open_b, closed_b] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    assert open_b.status is RoundStatus.OPEN and closed_b.result is not None
    gap = closed_b.result["top_gaps"][0]["area"]
    calls_in_b = len(slack.workspaces["TB"].calls)

    # A's admin closes B's open round; A's person makes an action on B's roadmap.
    close = block_actions(
        "UTAADMIN", "TA", "cx_close_anyway", str(open_b.id), channel="DUTAADMIN", ts="1.1"
    )
    assert await h["TA"].send(as_of(close, "TB")) == 200
    view = {
        "type": "modal",
        "callback_id": "cx_plan_modal",
        "private_metadata": f"{closed_b.id}|{gap}",
        "blocks": [],
    }
    values = {
        "what": {"value": {"type": "plain_text_input", "value": "Injected"}},
        "owner": {"value": {"type": "users_select", "selected_user": "UTA1"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}},
    }
    assert await h["TA"].send(as_of(view_submission("UTA1", "TA", view, values), "TB")) == 200

    posted_in_a = str(slack.workspaces["TA"].messages(CHANNEL))  # B's summary, B's action
    assert "cx_assess_summary" not in posted_in_a and "Injected" not in posted_in_a
    [still_open, _] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    assert still_open.status is RoundStatus.OPEN
    assert await h["TB"].deps.store.channel_actions("TB", CHANNEL) == []
    assert len(slack.workspaces["TB"].calls) == calls_in_b


async def test_a_reply_in_a_thread_of_the_same_channel_id_stays_in_its_workspace(served) -> None:
    _, h = served
    for team in TEAMS:
        assert await install(h[team].http, h[team].url, team) == 200
    await run_round(h["TB"], 1)
    [closed_b] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    thread = "1700000000.000100"  # B's discussion thread in its C0001
    await h["TB"].deps.store.add_discussion(closed_b.id, "data", 0, CHANNEL, thread)
    reply_b = {"type": "message", "channel": CHANNEL, "channel_type": "channel"}
    said_in_b = {**reply_b, "user": "UTB1", "text": "B's view", "ts": "1700000001.000100"}
    assert await h["TB"].event({**said_in_b, "thread_ts": thread}) == 200

    # In A's C0001, a reply naming the same thread, and a deletion naming B's reply.
    said_in_a = {**reply_b, "user": "UTA1", "text": "A's view", "ts": "1700000002.000100"}
    assert await h["TA"].event({**said_in_a, "thread_ts": thread}) == 200
    deleted = {
        **reply_b, "subtype": "message_deleted", "deleted_ts": said_in_b["ts"],
        "previous_message": {**said_in_b, "thread_ts": thread}, "ts": "1700000003.000100",
    }  # fmt: skip
    assert await h["TA"].event(deleted) == 200

    [discussion] = await h["TB"].deps.store.discussions(closed_b.id)
    assert [(r.user_id, r.text) for r in discussion.replies] == [("UTB1", "B's view")]


async def test_typed_answers_kept_for_an_uninstalled_workspace_hold_up_no_other(served) -> None:
    slack, h = served
    for team in TEAMS:
        assert await install(h[team].http, h[team].url, team) == 200
    slack.workspaces["TA"].add_channel("C0002", ["UTALEAD", "UTA1"], name="cx-ta-2")
    for channel in (CHANNEL, "C0002"):  # UTA1 answers two rounds: a reply says which it went to
        await h["TA"].command("start cx-pillars <@UTA1>", user="UTALEAD", channel=channel)
    await h["TB"].command("start cx-pillars <@UTB1>", user="UTBLEAD")
    for team in TEAMS:
        for invitation in list(h[team].dm_messages(f"U{team}1")):
            await h[team].press(f"U{team}1", "cx_start", invitation)
    store = h["TA"].deps.store
    assert await store.first_time("event:EvA", {**dm_message("UTA1", "2"), "team": "TA"})
    assert await store.first_time("event:EvB", {**dm_message("UTB1", "2"), "team": "TB"})
    slack.revoke("TA")
    uninstalled = event_callback({"type": "app_uninstalled"}, team="TA", event_id="EvGone")
    assert await h["TA"].send(uninstalled) == 200
    calls_in_a = len(slack.workspaces["TA"].calls)

    await replay_kept(h["TA"].deps)  # as the clock does every minute

    assert [key for key, _ in await store.undone_requests()] == ["event:EvA"]  # B's applied
    assert len(slack.workspaces["TA"].calls) == calls_in_a


async def test_an_invitation_survives_a_failed_token_refresh(served) -> None:
    slack, h = served
    assert slack.oauth is not None
    slack.oauth.rotation, slack.oauth.expires_in = True, 60  # refreshed before every call
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    to_person = {"where": lambda params: str(params.get("channel", "")).startswith("U")}
    slack.workspaces["TA"].fail_next("chat.postMessage", retry_after=0, times=6, **to_person)
    await h["TA"].command("start cx-pillars <@UTA1>", user="UTALEAD")
    assert h["TA"].dm_messages("UTA1") == []  # Slack was busy: the clock invites later

    secret, slack.oauth.client_secret = slack.oauth.client_secret, "changed"
    await h["TA"].deps.rounds.tick()  # Slack's token endpoint refuses this once
    slack.oauth.client_secret = secret
    await h["TA"].deps.rounds.tick()
    assert h["TA"].dm_messages("UTA1") == []  # the workspace is left alone for a while
    h["TA"].clock.now += TOKEN_FAILED_PAUSE
    await h["TA"].deps.rounds.tick()
    await settle()
    assert h["TA"].dm_messages("UTA1")  # invited once the refresh works again


async def test_a_snooze_due_while_uninstalled_fires_once_installed_again(served) -> None:
    _, h = served
    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    await h["TA"].command("start cx-pillars <@UTA1>", user="UTALEAD")
    await h["TA"].press("UTA1", "cx_snooze_hour", h["TA"].dm_messages("UTA1")[0])
    uninstalled = event_callback({"type": "app_uninstalled"}, team="TA", event_id="EvGone")
    assert await h["TA"].send(uninstalled) == 200
    h["TA"].clock.now += timedelta(minutes=61)
    await h["TA"].deps.rounds.tick()  # uninstalled: skipped

    assert await install(h["TA"].http, h["TA"].url, "TA") == 200
    before = len(h["TA"].dm_messages("UTA1"))
    await h["TA"].deps.rounds.tick()
    woken = h["TA"].dm_messages("UTA1")[before:]
    assert [m["text"] for m in woken if "reminder you asked for" in m["text"]]


async def test_a_grid_member_cannot_move_a_dialogue_of_another_workspace(served) -> None:
    slack, h = served
    for team in TEAMS:
        assert await install(h[team].http, h[team].url, team) == 200
        slack.workspaces[team].add_user("WGRID", name="grid-member")
    await h["TB"].command("start cx-pillars <@WGRID>", user="UTBLEAD")
    [round_b] = await h["TB"].deps.store.rounds_in_channel("TB", CHANNEL)
    action_id, value, ts = h["TB"].button("WGRID", "cx_start")

    await h["TA"].click("WGRID", action_id, value, channel="DWGRID", ts=ts)

    person = await h["TB"].deps.store.participant(round_b.id, "WGRID")
    assert person is not None and person.state.phase is Phase.INVITED  # B's dialogue as it was
    assert not slack.workspaces["TA"].messages("DWGRID")


@pytest.fixture
async def grid(db_url: str) -> AsyncIterator[tuple[FakeSlack, dict[str, Harness]]]:
    async with serving(db_url, ("T1", "T2"), enterprise="E1") as served:
        yield served


async def test_an_org_wide_installation_serves_its_workspaces_and_their_clock(grid) -> None:
    slack, h = grid
    assert await install(h["T1"].http, h["T1"].url, "E1") == 200  # an org admin, org-wide
    [token] = slack.tokens_of("E1")
    assert await h["T1"].deps.store.find_installation("E1", None) is not None

    await run_round(h["T1"], 1)
    # The clock knows only a round's workspace: it closes this one at its deadline.
    assert await h["T1"].command("start cx-pillars <@UT11> --deadline 2026-11-25", user="UT1LEAD")
    assert await h["T2"].command("start cx-pillars <@UT21>", user="UT2LEAD") == 200
    await h["T1"].press("UT11", "cx_start")
    calls = len(slack.workspaces["T1"].calls)
    assert await h["T1"].dm("UT11", "2") == 200  # a typed answer: an event of the org's bot
    [moved_on] = [c for c in slack.workspaces["T1"].calls[calls:] if c.method != "auth.test"]
    assert moved_on.method == "chat.update" and moved_on.params["channel"] == "DUT11"
    h["T1"].clock.now += timedelta(days=1)
    await h["T1"].deps.rounds.tick()
    await settle()

    for team in ("T1", "T2"):
        calls = slack.workspaces[team].calls
        assert calls and {c.token for c in calls} == {token}
        assert all(c.ok for c in calls), [(c.method, c.error) for c in calls if not c.ok]
    assert {c.method for c in slack.calls} <= {"oauth.v2.access"}
    assert h["T2"].dm_messages("UT21")  # the same token works in every workspace of the org
    closed = await h["T1"].deps.store.rounds_in_channel("T1", CHANNEL)
    assert [r.status for r in closed] == [RoundStatus.CLOSED] * 2
    summaries = [
        m
        for m in slack.workspaces["T1"].messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "cx_assess_summary"
    ]
    assert len(summaries) == 2  # the round closed by hand and the one the clock closed
