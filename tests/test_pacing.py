"""A bulk job's pace: free until Slack answers 429, then at the rate seen to succeed; and the
retry handler of `bot.slack_api.make_client` telling it of 429s over real HTTP."""

from __future__ import annotations

import pytest

from bot.pacing import CUT, NEAR, Pace, paced
from bot.slack_api import SlackGateway, make_client
from tests.fakeslack import FakeSlack


class Clock:
    """A clock that only moves when told to, or when a turn sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def succeed(pace: Pace, clock: Clock, count: int, within: float = 1.0) -> None:
    """``count`` calls go through, evenly over the ``within`` seconds that end now."""
    for _ in range(count):
        clock.now += within / count
        pace.succeeded()


async def turns(pace: Pace, count: int) -> None:
    for _ in range(count):
        await pace.turn()


async def test_calls_start_freely_until_a_429_follows_a_success() -> None:
    clock = Clock()
    pace = Pace(clock, clock.sleep)
    pace.limited()  # nothing went through yet: nothing to learn from
    await turns(pace, 5)
    assert pace.rate is None and clock.slept == []


async def test_after_a_429_calls_start_a_little_slower_than_they_went_through() -> None:
    clock = Clock()
    pace = Pace(clock, clock.sleep)
    succeed(pace, clock, 10)
    pace.limited()
    assert pace.rate == pytest.approx(CUT * 10)
    await turns(pace, 3)
    gap = round(1 / (CUT * 10), 6)
    assert clock.slept == [gap, gap, gap]  # the first waits too: the limit's bucket is empty


async def test_one_crowd_of_429s_is_one_cut_and_a_cut_never_raises_the_rate() -> None:
    clock = Clock()
    pace = Pace(clock, clock.sleep)
    succeed(pace, clock, 10)
    pace.limited()
    first = pace.rate
    assert first is not None
    for _ in range(5):  # the other calls that were under way when the limit was met
        pace.limited()
    assert (pace.cuts, pace.rate) == (1, first)
    succeed(pace, clock, 40, within=1.0)  # more than the rate: the limit's burst was refilled
    pace.limited()
    assert pace.cuts == 2 and pace.too_much is not None
    assert pace.too_much <= 40 and pace.rate == pytest.approx(CUT * pace.too_much)


async def test_a_cut_reaches_the_calls_still_waiting() -> None:
    clock = Clock()
    pace = Pace(clock, clock.sleep)
    succeed(pace, clock, 50)
    pace.limited()
    await turns(pace, 2)
    clock.now += 1.0
    succeed(pace, clock, 4)  # the limit came down: 4 went through in the last second
    pace.limited()
    await turns(pace, 2)
    slow = round(1 / (CUT * 4), 6)
    assert clock.slept[-2:] == [slow, slow]


async def test_the_rate_grows_fast_until_a_limit_is_measured_then_stays_near_it() -> None:
    clock = Clock()
    pace = Pace(clock, clock.sleep)
    succeed(pace, clock, 10)  # a limit's burst
    pace.limited()
    assert pace.rate is not None
    start = pace.rate
    succeed(pace, clock, 10)
    assert pace.rate > 2 * start  # probing: the burst said little about the limit

    clock.now += 1.0
    succeed(pace, clock, 30)
    pace.limited()  # the limit, measured
    assert pace.too_much is not None
    too_much = pace.too_much
    succeed(pace, clock, 60, within=2.0)
    assert pace.rate == pytest.approx(NEAR * too_much, rel=0.01)  # near, not over
    succeed(pace, clock, 3000, within=100.0)
    assert pace.rate > too_much  # a limit may rise: the pace drifts up to find it


async def test_the_retry_handler_tells_the_pace_of_a_429_and_the_retry_waits_its_turn() -> None:
    async with FakeSlack() as slack:
        slack.add_user("U1")
        gateway = SlackGateway(make_client("xoxb-test", slack.api_url))
        clock = Clock()
        pace = Pace(clock, clock.sleep)
        with paced(pace):
            for _ in range(4):
                await gateway.post_dm("U1", "hello")
                pace.succeeded()
            slack.fail_next("chat.postMessage", "ratelimited", retry_after=0)
            await gateway.post_dm("U1", "once more")  # retried after the 429
        assert [c.status for c in slack.calls_to("chat.postMessage")] == [200] * 4 + [429, 200]
        assert pace.cuts == 1 and pace.rate == pytest.approx(CUT * 4)
        assert clock.slept == [round(1 / (CUT * 4), 6)]  # the retry waited its turn
        assert len(slack.messages("DU1")) == 5

        slack.fail_next("chat.postMessage", "ratelimited", retry_after=0)
        await gateway.post_dm("U1", "outside the job")  # no pace: retried all the same
        assert pace.cuts == 1 and len(clock.slept) == 1 and len(slack.messages("DU1")) == 6
