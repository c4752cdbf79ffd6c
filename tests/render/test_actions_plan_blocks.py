"""The action plan's lists with buttons: App Home's and the lead's digest stay within Slack's
limits however many actions there are, and say how many are not shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.model import Action
from bot.render.blocks import to_dicts
from bot.render.blocks.actions_plan import (
    WITH_BUTTONS,
    Listed,
    action_modal,
    digest,
    home_blocks,
)
from tests.blockkit import assert_valid_blocks


def listed(count: int) -> list[Listed]:
    return [
        Listed(
            Action(
                id=n, team_id="T1", channel_id="C1", round_id=1, framework_id="cx-pillars",
                area_id="data", what=f"Step {n}", owner="U2", owner_name="Ben", owner_tz=None,
                lead="ULEAD", due=date(2026, 12, 1), created_by="U1",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            ),
            "Customer data",
            True,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


def buttons(blocks: list[dict]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [
        (e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


@pytest.mark.parametrize("count", [1, WITH_BUTTONS, WITH_BUTTONS + 1, 45])
def test_each_shown_action_has_done_and_new_date_and_the_rest_are_counted(count: int) -> None:
    for blocks in (
        to_dicts(home_blocks(listed(count), "en")),
        digest(listed(count), "en").blocks,
    ):
        assert_valid_blocks(blocks)
        shown = min(count, WITH_BUTTONS)
        expected = [
            (kind, str(n)) for n in range(1, shown + 1) for kind in ("cx_plan_done", "cx_plan_move")
        ]
        assert buttons(blocks) == expected
        more = [b for b in blocks if b["type"] == "context"]
        if count > WITH_BUTTONS:
            assert more[-1]["elements"][0]["text"] == (
                f"… and {count - WITH_BUTTONS} more: `/cx-assess actions` in each channel"
                " lists them all."
            )
        else:
            assert more == []


def test_the_suggested_due_date_is_a_working_day() -> None:
    """In a month from the day the form opens; a weekend moves to the Monday after."""

    def suggested(today: date) -> str:
        view = action_modal(
            "Customer data", "Survey", "en", creator="U1", today=today, metadata="1|data", most=500
        ).to_dict()
        return str(view["blocks"][3]["element"]["initial_date"])

    assert suggested(date(2026, 11, 25)) == "2026-12-25"  # a Friday
    assert suggested(date(2026, 11, 26)) == "2026-12-28"  # Saturday 26th: Monday
    assert suggested(date(2026, 11, 27)) == "2026-12-28"  # Sunday 27th: Monday
