"""A follow-up card: the previous iteration's distribution only with enough answers."""

from __future__ import annotations

import json

from bot.analysis import Feedback
from bot.answers import AreaAnswer, Ask
from bot.flows.interview import Question
from bot.frameworks import load_catalog
from bot.render.blocks.dialogue import card, invitation
from tests.blockkit import assert_valid_blocks


def _card(feedback: Feedback) -> str:
    fw = load_catalog().get("cx-pillars")
    q = Question(fw.areas[0], (Ask.CURRENT,), 0, 1, fw.scale, AreaAnswer(), False)
    message = card(q, "en", round_id=9, feedback=feedback)
    assert_valid_blocks(message.blocks)
    assert message.metadata is not None
    assert message.metadata["event_payload"]["followup_of"] == 4
    return json.dumps(message.blocks, ensure_ascii=False)


def test_a_follow_up_card_shows_bars_comments_and_keep() -> None:
    shown = _card(Feedback(4, 2, ((1, 2), (2, 0), (3, 2)), ("a *bold* <claim>",), 3))
    assert "1 · Needs immediate action ▇▇ 2" in shown and "2 · Room for improvement 0" in shown
    assert "&lt;claim&gt;" in shown  # people's text is inert
    assert "Keep 3 · Excellent" in shown and '"value": "9|data|current|3"' in shown


def test_a_follow_up_card_without_enough_answers_shows_no_distribution() -> None:
    shown = _card(Feedback(4, 2, None, (), 2))
    assert "▇" not in shown and "Comments" not in shown
    assert "last time the answers differed; with so few people, how they differed stays" in shown
    assert "how the group answered" not in shown  # it would promise what is not shown
    assert "Your answer last time: 2 · Room for improvement" in shown


def test_a_follow_up_invitation_tips_keep_or_one_level_not_both_answers() -> None:
    fw = load_catalog().get("cx-pillars")
    message = invitation(
        fw, "en", round_id=9, starter="U1", channel="C1", deadline=None, iteration=2
    )
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert "Tip: tap Keep, or type a level (“2”)." in shown
    assert "both answers" not in shown
