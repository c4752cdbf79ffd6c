"""Bulk Slack calls (a fan-out, a farewell) paced at the rate Slack has been seen to allow.

Slack answers a call over its rate limit with HTTP 429 and a ``Retry-After`` of whole seconds;
slack-sdk's handler then sleeps that long (plus up to a second of jitter) before trying again.
A bulk job that only relies on that handler keeps hitting the limit, and each hit parks one of
its workers for one to two seconds while the limit's tokens come back in milliseconds. A 429
also does not say which limit was met. Within one bulk job, though, every call of the method the
job is about (``chat.postMessage`` for invitations, ``users.info`` for look-ups) goes to another
person or conversation, so a per-conversation limit cannot be what binds: the method's own limit
is, and the rate at which its calls went through is that limit.

`Pace` learns that rate from what `bot.slack_api` tells it of the job's calls of its method
(other methods, such as a post's recovery look-ups, do not count): each that went through
(`went_through`) and each 429 (`rate_limited`). Calls start freely until a 429 follows calls that
went through; from then on each item of the job (and each retry after its ``Retry-After``, for at
most `RETRY_TURN_S`) waits its turn, and turns are spaced at the rate: `CUT` times the rate the
calls went through over the last `WINDOW_S` (never more than the rate that met the 429), set anew
at most once a window. Between 429s the rate grows: by `PROBE` a second until a second 429 has
measured the limit (the first one mostly saw the limit's burst), by `GROWTH` a second up to
`NEAR` the rate that met the last 429, then by `DRIFT`; `FORGET_S` after the last cut that rate
is forgotten and the pace probes again (a limit may rise, or have been measured low: a second
half spent waiting out ``Retry-After`` looks slow), which costs a few 429s each time. Growth is
counted per call that went through, so "a second" means a second of calls at the rate.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

WINDOW_S = 1.0  # calls counted to measure the rate a limit allows; one cut per window
CUT = 0.95  # after a 429, turns follow this share of the rate seen to go through
PROBE = 4.0  # the rate grows by this factor a second until a limit is measured...
GROWTH = 1.05  # ...then by this factor a second up to NEAR the rate that met the last 429...
NEAR = 0.98
DRIFT = 1.005  # ...and by this factor a second beyond
FORGET_S = 30.0  # without a 429 for this long, the pace probes again
MIN_RATE = 0.5  # turns a second, whatever was seen
RETRY_TURN_S = 2.0  # a retry waits its turn at most this long (it has waited Retry-After)


class Pace:
    """When each call of one bulk job may start, learnt from its calls and their 429s."""

    def __init__(
        self,
        method: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.method = method  # the Web API method the job calls for each item
        self.clock, self.sleep = clock, sleep
        self.rate: float | None = None  # turns a second; None: calls start freely
        self.too_much: float | None = None  # the rate that met the last 429
        self.cuts = 0
        self._cut_at = float("-inf")
        self._next = float("-inf")  # the earliest moment the next turn may be taken
        self._calls: deque[float] = deque()  # when the method's calls went through
        self._queue = asyncio.Lock()  # turns are taken one after the other

    async def turn(self) -> None:
        """Waits until the next call may start. Turns are not booked ahead: each is spaced at
        the rate of the moment it is taken, so that a cut applies to every call still waiting.
        A turn given up while waiting (a retry that waited long enough) is taken all the same:
        its call goes ahead."""
        async with self._queue:
            if self.rate is None:  # no 429 yet (and once set, a rate stays set)
                return
            try:
                wait = self._next - self.clock()
                if wait > 0:
                    await self.sleep(wait)
            finally:
                self._next = max(self.clock(), self._next) + 1.0 / self.rate

    def went_through(self, method: str) -> None:
        """A call of ``method`` succeeded (or Slack refused it for another reason than its
        limit: the limit let it through)."""
        if method != self.method:
            return
        now = self.clock()
        self._calls.append(now)
        self._forget_before(now - WINDOW_S)
        if self.rate is None:
            return
        if self.too_much is not None and now - self._cut_at > FORGET_S:
            self.too_much = None
        if self.too_much is None:
            self.rate *= PROBE ** (1.0 / self.rate)
        elif self.rate < NEAR * self.too_much:
            self.rate = min(self.rate * GROWTH ** (1.0 / self.rate), NEAR * self.too_much)
        else:
            self.rate *= DRIFT ** (1.0 / self.rate)

    def limited(self, method: str) -> None:
        """Slack answered a call of ``method`` with 429: turns follow a little less than the
        rate its calls went through (once a window: one crowd of 429s is one cut)."""
        if method != self.method:
            return
        now = self.clock()
        self._forget_before(now - WINDOW_S)
        if now - self._cut_at < WINDOW_S or not self._calls:
            return
        self.cuts += 1
        self._cut_at = now
        went = len(self._calls) / WINDOW_S
        met = min(went, self.rate or went)  # a limit's burst can add to it: never above
        self.too_much = met if self.cuts > 1 else None  # the first 429 saw the limit's burst
        self.rate = max(MIN_RATE, CUT * met)
        self._next = now + 1.0 / self.rate  # the limit's bucket is empty now

    def _forget_before(self, moment: float) -> None:  # the window is (moment, now]
        while self._calls and self._calls[0] <= moment:
            self._calls.popleft()


_current: ContextVar[Pace | None] = ContextVar("pace", default=None)


@contextmanager
def paced(pace: Pace) -> Iterator[Pace]:
    """Within the block (and the tasks started in it), Slack calls are reported to ``pace``."""
    token = _current.set(pace)
    try:
        yield pace
    finally:
        _current.reset(token)


def went_through(method: str) -> None:
    """Tells the current task's `Pace`, if any, that a call of ``method`` succeeded."""
    pace = _current.get()
    if pace is not None:
        pace.went_through(method)


def rate_limited(method: str) -> None:
    """Tells the current task's `Pace`, if any, that Slack answered a call of ``method`` 429."""
    pace = _current.get()
    if pace is not None:
        pace.limited(method)


async def turn(within: float | None = None) -> None:
    """Waits for the current task's `Pace`, if any, to let the next call start; for at most
    ``within`` seconds, when given (then the call goes ahead)."""
    pace = _current.get()
    if pace is None:
        return
    with suppress(TimeoutError):
        async with asyncio.timeout(within):
            await pace.turn()
