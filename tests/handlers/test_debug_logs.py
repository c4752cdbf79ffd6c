"""At ``LOG_LEVEL=DEBUG`` no log line ties an answer or a comment to a person."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from tests.handlers.conftest import SECRET, Harness

COMMENT = "zebra-7781 budget is frozen"
TYPED = "EXCELLENT"
ANSWERS = ("zebra", TYPED, "Your answer", "Su respuesta", "Ihre Antwort")
PEOPLE = re.compile(r"\b[D]?U[0-9A-Z]+\b")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged, at DEBUG, as `cx-assess serve` sets logging up."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    configure_logging("DEBUG", {"SLACK_SIGNING_SECRET": SECRET}, stream=stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, previous in quiet.items():
        logging.getLogger(name).setLevel(previous)


async def test_debug_logs_never_put_an_answer_or_comment_next_to_a_user_id(
    harness: Harness, debug_log: io.StringIO
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    for user in ("U1", "U2", "U3"):
        await h.press(user, "cx_start")
        await h.press(user, "cx_answer_2")  # current, by button
        await h.dm(user, TYPED)  # target, typed
        await h.dm(user, f"comment: {COMMENT}")
    question = h.last_dm("U1")
    await h.dm("U1", f"{COMMENT} in a thread", thread_ts=question["ts"])
    await h.command("close anyway")
    text = debug_log.getvalue()
    assert "DEBUG" in text  # it did run, and the answers and comments were recorded:
    answers = (await h.deps.store.answers(1))["U2"]["data"]
    assert (answers.current, answers.target) == (2, 3) and COMMENT in (answers.comment or "")
    leaks = [
        line
        for line in text.splitlines()
        if PEOPLE.search(line) and any(m in line for m in (*ANSWERS, "INTO answers"))
    ]
    assert leaks == []
