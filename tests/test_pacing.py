"""A bulk job's pace: free until Slack answers 429, then at the rate seen to go through; the
Web API client telling it of each call over real HTTP; and a fan-out paced by it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.app import build_deps
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.pacing import CUT, FORGET_S, NEAR, Pace, paced, turn
from bot.slack_api import SlackCallFailed, SlackGateway, SlackUser, make_client
from bot.storage import Store
from tests.fakeslack import FakeSlack

POST = "chat.postMessage"


class Clock:
    """A clock that only moves when told to, or when a turn sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        await asyncio.sleep(0)  # other tasks run meanwhile, as they would
        self.now += seconds


def succeed(pace: Pace, clock: Clock, count: int, within: float = 1.0, method: str = POST) -> None:
    """``count`` calls go through, evenly over the ``within`` seconds that end now."""
    for _ in range(count):
        clock.now += within / count
        pace.went_through(method)


def paced_clock() -> tuple[Pace, Clock]:
    clock = Clock()
    return Pace(POST, clock, clock.sleep), clock


async def turns(pace: Pace, count: int) -> None:
    for _ in range(count):
        await pace.turn()


async def test_calls_start_freely_until_a_429_follows_calls_that_went_through() -> None:
    pace, clock = paced_clock()
    pace.limited(POST)  # nothing went through yet: nothing to learn from
    await turns(pace, 5)
    assert pace.rate is None and clock.slept == []


async def test_after_a_429_calls_start_a_little_slower_than_they_went_through() -> None:
    pace, clock = paced_clock()
    succeed(pace, clock, 10)
    pace.limited(POST)
    assert pace.rate == pytest.approx(CUT * 10)
    await turns(pace, 3)
    gap = round(1 / (CUT * 10), 6)
    assert clock.slept == [gap, gap, gap]  # the first waits too: the limit's bucket is empty


async def test_only_the_jobs_method_counts() -> None:
    pace, clock = paced_clock()
    succeed(pace, clock, 10)
    succeed(pace, clock, 40, within=0.01, method="users.info")  # another method's calls
    pace.limited("conversations.history")  # and its limit: a post's recovery look-up
    assert (pace.cuts, pace.rate) == (0, None)
    pace.limited(POST)
    assert pace.rate == pytest.approx(CUT * 10)
    clock.now += 2.0
    pace.limited("conversations.history")  # no cut
    succeed(pace, clock, 30, method="users.info")  # nor growth
    assert (pace.cuts, pace.rate) == (1, pytest.approx(CUT * 10))


async def test_one_crowd_of_429s_is_one_cut_and_a_cut_never_raises_the_rate() -> None:
    pace, clock = paced_clock()
    succeed(pace, clock, 10)
    pace.limited(POST)
    first = pace.rate
    for _ in range(5):  # the other calls that were under way when the limit was met
        pace.limited(POST)
    assert (pace.cuts, pace.rate) == (1, first)

    clock.now += 0.1
    succeed(pace, clock, 20)
    pace.limited(POST)  # the limit, measured: 20 a second
    assert pace.too_much == pytest.approx(20)
    clock.now += 0.1
    succeed(pace, clock, 60)  # a refilled burst: more than the rate, which stayed near 20
    before = pace.rate
    assert before is not None and before <= 20
    pace.limited(POST)
    assert pace.too_much == pytest.approx(before)  # not 60
    assert pace.rate == pytest.approx(CUT * before)


async def test_a_cut_reaches_the_calls_already_waiting_their_turn() -> None:
    pace, clock = paced_clock()
    succeed(pace, clock, 10)
    pace.limited(POST)
    clock.now += 1.5
    succeed(pace, clock, 2, within=0.01)

    async def cut_meanwhile() -> None:
        await asyncio.sleep(0)  # the second turn is asleep by now, the third waits for it
        pace.limited(POST)  # two went through in the last second

    await asyncio.gather(turns(pace, 1), turns(pace, 1), turns(pace, 1), cut_meanwhile())
    assert pace.rate == pytest.approx(CUT * 2)
    assert clock.slept[0] < 0.1  # taken at the old rate, before the cut
    assert clock.slept[-1] > 1 / (CUT * 2) - 0.1  # the last waited at the new one


async def test_the_rate_grows_fast_until_measured_stays_near_then_probes_again() -> None:
    pace, clock = paced_clock()
    succeed(pace, clock, 10)  # a limit's burst
    pace.limited(POST)
    assert pace.rate is not None and pace.too_much is None
    start = pace.rate
    succeed(pace, clock, 10)
    assert pace.rate > 2 * start  # probing: the burst said little about the limit

    succeed(pace, clock, 30)
    pace.limited(POST)  # the limit, measured
    assert pace.too_much is not None
    too_much = pace.too_much
    succeed(pace, clock, 60, within=2.0)
    assert pace.rate == pytest.approx(NEAR * too_much, rel=0.01)  # near, not over
    succeed(pace, clock, 5 * round(FORGET_S), within=FORGET_S)
    assert pace.too_much is None  # a limit may rise, or have been measured low
    succeed(pace, clock, 30)
    assert pace.rate > 1.5 * too_much


async def test_a_turn_given_up_goes_ahead_and_is_taken_all_the_same() -> None:
    pace = Pace(POST)
    pace.went_through(POST)
    pace.limited(POST)  # one call a second: each turn waits about a second
    with paced(pace):
        started = time.monotonic()
        await turn(within=0.05)  # a retry that waited long enough: it goes ahead
        assert time.monotonic() - started < 0.5
        with pytest.raises(TimeoutError):  # the next turn comes after the one given up
            async with asyncio.timeout(1.2):
                await turn()


async def test_the_client_tells_the_pace_of_each_call_and_a_retry_waits_its_turn() -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1")
        gateway = SlackGateway(make_client("xoxb-test", slack.api_url))
        pace, clock = paced_clock()
        with paced(pace):
            for _ in range(3):
                await gateway.post_dm("U1", "hello")
            slack.fail_next(POST, "is_archived")
            with pytest.raises(SlackCallFailed):  # refused, but the limit let it through
                await gateway.post_dm("U1", "refused")
            slack.fail_next(POST, "ratelimited", retry_after=0)
            await gateway.post_dm("U1", "once more")  # retried after the 429
        assert [c.status for c in slack.calls_to(POST)] == [200] * 4 + [429, 200]
        assert slack.calls_to(POST)[3].error == "is_archived"
        assert pace.cuts == 1 and pace.rate is not None and pace.rate > CUT * 4
        assert clock.slept == [round(1 / (CUT * 4), 6)]  # the retry waited its turn
        assert len(slack.messages("DU1")) == 4

        slack.fail_next(POST, "ratelimited", retry_after=0)
        await gateway.post_dm("U1", "outside the job")  # no pace: retried all the same
        assert pace.cuts == 1 and len(clock.slept) == 1 and len(slack.messages("DU1")) == 5


async def test_a_fan_out_that_meets_a_429_paces_the_invitations_after_it(tmp_path: Path) -> None:
    people = [f"U{i:03d}" for i in range(200)]
    async with FakeSlack() as slack:
        slack.add_user("ULEAD")
        for user in people:
            slack.add_user(user)
        slack.add_channel("C1", people)
        invitations = iter(range(len(people)))
        fortieth = lambda _: next(invitations) == 39  # noqa: E731 (once the first 32 are in)
        slack.fail_next(POST, "ratelimited", retry_after=0, where=fortieth)
        settings = Settings(
            database=str(tmp_path / "cx.sqlite"),
            slack_bot_token="xoxb-t",
            slack_api_url=slack.api_url,
        )
        async with Store.open(settings.database) as store:
            client = make_client("xoxb-t", slack.api_url)
            deps = build_deps(settings, load_catalog(), store, client)
            lead = SlackUser("ULEAD", "Lead", False, False, False, "en-US", "UTC")
            _, fan_out = await deps.rounds.start(
                team_id="T1", channel_id="C1", starter=lead, framework_id="cx-pillars"
            )
        assert fan_out.invited == len(people)
        calls = [c for c in slack.calls_to(POST) if c.params["channel"].startswith("U")]
        limited = next(c for c in calls if c.status == 429)
        retried = limited.params["channel"]
        after = [c.at for c in calls if c.at > limited.at and c.params["channel"] != retried]
        assert len(after) >= 100
        # About 30 a second at first (the rate they went through before the 429, minus 5 %),
        # then faster as they go through: about 1 s in all (0.83 s at the very least).
        # Unpaced: 0.3-0.5 s.
        assert max(after) - limited.at > 0.8
