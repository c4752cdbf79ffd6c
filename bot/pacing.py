"""Bulk Slack calls (a fan-out, a farewell) paced at the rate Slack has been seen to allow.

Slack answers a call over its rate limit with HTTP 429 and a ``Retry-After`` of whole seconds;
slack-sdk's handler then sleeps that long (plus up to a second of jitter) before trying again.
A bulk job that only relies on that handler keeps hitting the limit, and each hit parks one of
its workers for one to two seconds while the limit's tokens come back in milliseconds. A 429
also does not say which limit was met. Within one bulk job, though, every call goes to another
person or conversation, so a per-conversation limit cannot be what binds: the method's own limit
is, and the rate at which the job's calls went through over the last second is that limit.

`Pace` learns that rate. Calls start freely until a 429 follows a success; from then on each
call (a retry too, after its ``Retry-After``) waits its turn, and turns are spaced at the rate:
`CUT` times the rate seen to succeed over the last `WINDOW_S` (never more than the rate that
met the 429), set anew at most once a window. Between 429s the rate grows: by `PROBE` a second
until a second 429 has measured the limit (the first one only saw the limit's burst), by
`GROWTH` a second up to `NEAR` the rate that last met a 429, then by `DRIFT` (a limit may rise).
`paced()` makes a `Pace` the one that the retry handler in `bot.slack_api` tells of 429s
(`rate_limited`) and waits on (`turn`), within the calling task and the tasks it starts.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

WINDOW_S = 1.0  # successes counted to measure the rate a limit allows; one cut per window
CUT = 0.95  # after a 429, starts follow this share of the rate seen to succeed
PROBE = 4.0  # the rate grows by this factor a second until a limit is measured...
GROWTH = 1.05  # ...then by this factor a second up to NEAR the rate known to be too much...
NEAR = 0.98
DRIFT = 1.005  # ...and by this factor a second beyond (a limit may rise)
MIN_RATE = 0.5  # starts a second, whatever was seen


class Pace:
    """When each call of one bulk job may start, learnt from the job's successes and 429s."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.clock, self.sleep = clock, sleep
        self.rate: float | None = None  # starts a second; None: no 429 seen yet
        self.too_much: float | None = None  # starts a second last met with a 429
        self.cuts = 0
        self._cut_at = float("-inf")
        self._next = float("-inf")  # the earliest moment the next call may start
        self._successes: deque[float] = deque()
        self._queue = asyncio.Lock()  # calls take their turns one after the other

    async def turn(self) -> None:
        """Waits until the next call may start. Turns are not booked ahead: each is spaced at
        the rate of the moment it is taken, so that a cut applies to every call still waiting."""
        async with self._queue:
            wait = self._next - self.clock()
            if self.rate is not None and wait > 0:
                await self.sleep(wait)
            if self.rate is not None:
                self._next = max(self.clock(), self._next) + 1.0 / self.rate

    def succeeded(self) -> None:
        """A call went through."""
        now = self.clock()
        self._successes.append(now)
        self._forget_before(now - WINDOW_S)
        if self.rate is None:
            return
        if self.cuts < 2 or self.too_much is None:  # the first cut only saw a limit's burst
            self.rate *= PROBE ** (1.0 / self.rate)
        elif self.rate < NEAR * self.too_much:
            self.rate = min(self.rate * GROWTH ** (1.0 / self.rate), NEAR * self.too_much)
        else:
            self.rate *= DRIFT ** (1.0 / self.rate)

    def limited(self) -> None:
        """Slack answered a call with 429: starts follow a little less than the rate seen to
        succeed over the last `WINDOW_S` (once a window: one crowd of 429s is one cut)."""
        now = self.clock()
        self._forget_before(now - WINDOW_S)
        if now - self._cut_at < WINDOW_S or not self._successes:
            return
        self.cuts += 1
        self._cut_at = now
        seen = len(self._successes) / WINDOW_S  # a limit's burst can add to it: never above
        self.too_much = min(seen, self.rate or seen)
        self.rate = max(MIN_RATE, CUT * self.too_much)
        self._next = now + 1.0 / self.rate  # the limit's bucket is empty now

    def _forget_before(self, moment: float) -> None:  # the window is (moment, now]
        while self._successes and self._successes[0] <= moment:
            self._successes.popleft()


_current: ContextVar[Pace | None] = ContextVar("pace", default=None)


@contextmanager
def paced(pace: Pace) -> Iterator[Pace]:
    """Within the block (and the tasks started in it), 429s are reported to ``pace``."""
    token = _current.set(pace)
    try:
        yield pace
    finally:
        _current.reset(token)


def rate_limited() -> None:
    """Tells the current task's `Pace`, if any, that Slack answered 429."""
    pace = _current.get()
    if pace is not None:
        pace.limited()


async def turn() -> None:
    """Waits for the current task's `Pace`, if any, to let the next call start."""
    pace = _current.get()
    if pace is not None:
        await pace.turn()
