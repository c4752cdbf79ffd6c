"""A past round's stage, as lists of rounds (App Home, `history`) show it: the headline's words."""

from __future__ import annotations

from typing import Any

import pytest

from bot.frameworks import Catalog
from bot.render.wording import stored_stage


@pytest.mark.parametrize(
    ("result", "lang", "expected"),
    [
        (
            {"overall": {"stage": 1, "next_stage": 2, "close_to_next": True}},
            "en",
            "1 · Initiation, close to 2 · Development",
        ),
        (
            {"overall": {"stage": 2, "next_stage": 3, "close_to_next": False}},
            "es",
            "2 · Desarrollo",
        ),
        ({"overall": {"stage": 2}}, "de", "2 · Entwicklung"),  # schema 1: no close_to_next
        ({"overall": {"stage": None, "split_areas": ["security"]}}, "en", "–"),
        (None, "en", "–"),  # a round closed without a report
    ],
)
def test_a_stored_stage_reads_like_the_summarys_headline(
    catalog: Catalog, result: dict[str, Any] | None, lang: str, expected: str
) -> None:
    assert stored_stage(result, catalog.get("cx-maturity").scale, lang) == expected
