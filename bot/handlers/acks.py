"""Slack gets its answer the moment a listener acknowledges; the rest of the listener's work
(the next card, the Web API calls) goes on in a background task.

Bolt's default runner (``process_before_response=False``) starts a listener as a task and polls
for its acknowledgement every 10 ms, so every button press waited up to 10 ms for nothing. The app
runs with ``process_before_response=True`` instead, where Bolt answers once the listener returns,
and each listener is wrapped with `answer_on_ack`: it returns as soon as the listener calls
``ack()`` (an event listener, which Bolt acknowledges itself, returns at once). What follows the
acknowledgement runs in a task named like `bot.rounds.BACKGROUND`, which `bot.server.drain` waits
for before a shutdown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.rounds import BACKGROUND

log = logging.getLogger(__name__)

Listener = Callable[..., Coroutine[Any, Any, None]]

_running: set[asyncio.Task[None]] = set()  # strong references: the loop keeps only weak ones


@dataclass
class _Acknowledgement:
    """Whether a listener acknowledged; ``ready`` is done at its ``ack()`` or when it ends."""

    ready: asyncio.Future[None]
    given: bool = False

    def resolve(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)


def answer_on_ack(listener: Listener) -> Listener:
    """``listener`` (a Bolt listener) returning to Bolt at its ``ack()``, or at once when it
    takes no ``ack``; a failure before the acknowledgement reaches Bolt's error handler (HTTP
    500), one after it is logged."""

    @functools.wraps(listener)  # Bolt reads the arguments to pass from the wrapped listener
    async def respond_on_ack(**kwargs: Any) -> None:
        acknowledgement = _Acknowledgement(asyncio.get_running_loop().create_future())
        if "ack" in kwargs:
            kwargs["ack"] = _signalling(kwargs["ack"], acknowledgement)
        else:
            acknowledgement.given = True
            acknowledgement.resolve()
        task = asyncio.create_task(listener(**kwargs), name=f"{BACKGROUND} {listener.__name__}")
        _running.add(task)
        task.add_done_callback(functools.partial(_finished, acknowledgement))
        await acknowledgement.ready
        if not acknowledgement.given:  # it ended without acknowledging
            task.result()  # a failure is Bolt's to answer (HTTP 500)

    return respond_on_ack


def _signalling(
    ack: Callable[..., Coroutine[Any, Any, None]], acknowledgement: _Acknowledgement
) -> Listener:
    async def ack_and_signal(*args: Any, **kwargs: Any) -> None:
        await ack(*args, **kwargs)
        acknowledgement.given = True
        acknowledgement.resolve()
        # Step aside once: the request's task, woken above, writes Slack's answer before the
        # listener goes on to its (CPU-bound) rendering and sending.
        await asyncio.sleep(0)

    return ack_and_signal


def _finished(acknowledgement: _Acknowledgement, task: asyncio.Task[None]) -> None:
    """Forget ``task``; log its failure if it had acknowledged (before, Bolt was told)."""
    _running.discard(task)
    acknowledgement.resolve()
    error = None if task.cancelled() else task.exception()
    if error is not None and acknowledgement.given:
        log.error("%s failed after its acknowledgement", task.get_name(), exc_info=error)
