"""What one answer costs the database (SQLite): a fixed, small number of statements and commits."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.handlers.conftest import Harness, settle

pytestmark = pytest.mark.sqlite_only  # counts SQLite's statements


async def count(h: Harness, send) -> Counter[str]:
    """The statements (by first word) the app runs for ``send``, up to its last reply."""
    seen: Counter[str] = Counter()
    await h.deps.store.engine.trace(lambda sql: seen.update([sql.split()[0].upper()]))
    try:
        await send()
        await settle()
    finally:
        await h.deps.store.engine.trace(None)
    return seen


async def test_a_typed_answer_costs_a_fixed_number_of_statements_and_commits(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    first = await count(h, lambda: h.dm("U2", "2"))
    second = await count(h, lambda: h.dm("U2", "3"))
    assert first == second  # the same whatever came before
    # the inbox entry; the turn (round, person, answers; the step; the inbox entry done); the
    # prompt sent (the target is asked on the same card: it is updated, nothing recorded)
    assert second["COMMIT"] <= 2, second  # was 5 before the unit of work
    assert sum(second.values()) <= 13, second  # was 24


async def test_a_click_on_the_card_in_view_costs_two_commits(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    seen = await count(h, lambda: h.tap("U2", 2))
    # as a typed answer: the inbox entry (before the acknowledgement); the turn (round,
    # person, answers; the step; the inbox entry done); the card is updated, nothing recorded
    assert seen["COMMIT"] <= 2, seen  # 1 while the turn came before the acknowledgement
    assert sum(seen.values()) <= 11, seen  # 7 then; 11 before the unit of work


async def hops(h: Harness, send) -> int:
    """The calls to the database's threads the app makes for ``send``, up to its last reply."""
    before = h.deps.store.engine.hops
    await send()
    await settle()
    return h.deps.store.engine.hops - before


async def test_an_answer_costs_a_few_hops_to_the_database_thread(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    typed = await hops(h, lambda: h.dm("U2", "2"))  # today's level: the card is edited
    click = await hops(h, lambda: h.tap("U2", 3, "target"))  # the card is edited
    last = await hops(h, lambda: h.tap("U2", 2, "importance"))  # the next card is posted
    # typed: the inbox entry, the open dialogues, the turn (the unit reading the person with
    # the inbox entry marked, deciding and saving the step); a click: the inbox entry, the
    # turn; the last click also records the next card. A unit alone begins and commits its
    # transaction in its hop.
    assert typed <= 3, typed  # was 23, then 6 before units ran whole on the thread
    assert click <= 2, click  # was 13, then 3, then 1 while the turn came before the ack
    assert last <= 3, last  # was 17, then 5, then 2
