"""docs/walkthrough.md is what the app shows now; how the walkthrough finds and renders things."""

from __future__ import annotations

from typing import Any

import pytest

from tests import walkthrough
from tests.blockkit import render_blocks, slack_text
from tests.transcript import (
    Clicks,
    Person,
    Room,
    Shown,
    StepFailed,
    Transcript,
    Types,
    TypesUntil,
    find_target,
)
from tests.transcript.markdown import Counts, Renderer, Target
from tests.transcript.recording import Kind, Seen
from tests.transcript.stage import Act, Did

NAMES = {"UANA": "Ana", "C1": "cx-team"}.get


def test_committed_walkthrough_is_what_the_app_shows_now() -> None:
    fresh = walkthrough.render()
    committed = walkthrough.OUTPUT.read_text(encoding="utf-8")
    if committed != fresh:
        report = walkthrough.stale_report(committed, fresh)
        pytest.fail(f"docs/walkthrough.md is stale: run make walkthrough\n{report}", pytrace=False)


ANA = Person("UANA", "Ana", "es-ES", "Europe/Madrid", "types")


def test_an_update_names_the_message_even_when_it_came_in_a_step_not_shown_in_full() -> None:
    steps = (
        Types(ANA, "hola"),
        TypesUntil(ANA, "Ana answers the rest", ["1", "2"], until="Enviar"),
        Clicks(ANA, "Enviar"),
    )
    feed = (
        Seen(1, "UANA", Kind.POST, "card 1", ts="1.1"),
        Seen(2, "UANA", Kind.UPDATE, "card 1, answered", ts="1.1"),
        Seen(2, "UANA", Kind.POST, "card 2", ts="2.1"),
        Seen(2, "UANA", Kind.POST, "review", ts="2.2"),
        Seen(3, "UANA", Kind.UPDATE, "thanks", ts="2.2"),
        Seen(3, "UANA", Kind.POST, "closed", ts="3.1"),
    )
    acts = (Act(1, "UANA", Did.TYPE), Act(2, "UANA", Did.TYPE), Act(3, "UANA", Did.TAP))
    transcript = Transcript((ANA,), Room("C1", "cx-team"), steps, feed, acts)
    lines = Renderer(transcript, counted=3).reader("UANA")
    assert "      (1 reply typed, 2 new messages (2–3), 1 updated: not shown)" in lines
    assert lines[-4:-1] == ["✎  3  (message 3, updated)", "      thanks", "●  4  closed"]


def test_an_update_of_a_message_the_reader_never_got_fails() -> None:
    feed = (Seen(1, "UANA", Kind.UPDATE, "card 1, answered", ts="1.1"),)
    acts = (Act(1, "UANA", Did.TYPE),)
    transcript = Transcript((ANA,), Room("C1", "cx-team"), (Types(ANA, "1"),), feed, acts)
    with pytest.raises(ValueError, match="an update of a message UANA never got"):
        Renderer(transcript, counted=1).reader("UANA")


def test_the_counts_say_whether_the_measured_person_met_the_target() -> None:
    counts = Counts(received=16, answering=14, updated=3, taps=26, typed=0, sizes=(9, 80), total=1)
    assert (
        Target(ANA, "cx-maturity", answers=24, messages=13)
        .sentence(counts)
        .endswith(
            "Ana gives 24 answers by tapping: 14 messages from Start to Submit (at most 13: missed), "
            "26 taps (at most 24 + 2 = 26: met), the longest message 80 characters."
        )
    )


def button(label: str, action_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": "v",
    }


def option(label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": label.lower()}


def message(ts: str, *elements: dict[str, Any]) -> Shown:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"message {ts}"}}]
    blocks.append({"type": "actions", "block_id": f"b{ts}", "elements": list(elements)})
    return Shown("DUANA", ts, f"message {ts}", blocks, ephemeral=False)


OLD = message("1", button("Start", "cx_start"), button("Not now", "cx_decline"))
NEW = message(
    "2",
    button("3 · Maturation", "cx_answer_3"),
    button("3 · Maturation", "cx_target_3"),
    {"type": "overflow", "action_id": "cx_more", "options": [option("Remind me in 1 h")]},
)


def test_a_label_is_found_in_the_newest_message_that_has_it() -> None:
    found = find_target([NEW, OLD], "Ana", "start")
    assert (found.message.ts, found.element["action_id"]) == ("1", "cx_start")


def test_a_menu_option_is_found_by_its_label() -> None:
    found = find_target([NEW, OLD], "Ana", "Remind me in 1 h")
    assert found.element["action_id"] == "cx_more" and found.option == option("Remind me in 1 h")


def test_a_label_twice_in_a_message_needs_nth_or_an_action_prefix() -> None:
    with pytest.raises(StepFailed, match=r"2 elements of the message “message 2” fit"):
        find_target([NEW], "Ana", "3 · Maturation")
    assert find_target([NEW], "Ana", "3 · Maturation", nth=2).element["action_id"] == "cx_target_3"
    found = find_target([NEW], "Ana", "3 · Maturation", action="cx_target_")
    assert found.element["action_id"] == "cx_target_3"


def test_a_missing_label_is_named_with_what_the_newest_message_offers() -> None:
    with pytest.raises(StepFailed) as failure:
        find_target([NEW, OLD], "Ana", "Submit")
    assert str(failure.value) == (
        "Ana cannot click [Submit]: no message of theirs offers it; the newest offers "
        "[3 · Maturation] [3 · Maturation] [Remind me in 1 h ▾]"
    )


def test_slack_text_reads_mentions_channels_dates_links_and_entities() -> None:
    text = (
        "<@UANA> in <#C1> by <!date^1764064800^{date}|Nov 25> <https://x.y|docs> a &lt; b &amp; c"
    )
    assert slack_text(text, NAMES) == "@Ana in #cx-team by Nov 25 docs a < b & c"
    assert slack_text("<@UBEN|ben> <#C2|other> <!here>") == "@ben #other @here"


def test_blocks_render_as_the_text_a_person_sees() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Personalization"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*1.* Data: 2\n<@UANA>"},
            "accessory": button("Change", "cx_change_data"),
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Area 1 of 5"},
                {"type": "image", "image_url": "https://x.y/i.png", "alt_text": "logo"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                button("Start", "cx_start"),
                {
                    "type": "static_select",
                    "action_id": "cx_target",
                    "placeholder": {"type": "plain_text", "text": "Target"},
                    "options": [option("3"), option("4")],
                },
                {"type": "overflow", "action_id": "cx_more", "options": [option("Details")]},
            ],
        },
        {"type": "image", "image_url": "https://x.y/c.png", "alt_text": "chart"},
        {"type": "video"},
    ]
    assert render_blocks(blocks, NAMES) == [
        "# Personalization",
        "*1.* Data: 2",
        "@Ana  [Change]",
        "---",
        "› Area 1 of 5  [image: logo]",
        "[Start] [Target ▾ 3 | 4] [⋯ Details]",
        "[image: chart]",
        "[video]",
    ]


def test_form_fields_show_their_initial_values_or_what_they_ask_for() -> None:
    def field(label: str, element: dict[str, Any]) -> dict[str, Any]:
        return {"type": "input", "label": {"type": "plain_text", "text": label}, "element": element}

    blocks = [
        field("Who", {"type": "multi_users_select", "initial_users": ["UANA"]}),
        field("Anyone", {"type": "multi_users_select"}),
        field("Until", {"type": "datepicker", "initial_date": "2026-11-27"}),
        field("When", {"type": "datepicker"}),
        field("Minimum", {"type": "number_input", "is_decimal_allowed": False}),
    ]
    assert render_blocks(blocks, NAMES) == [
        "Who: [Ana ▾]",
        "Anyone: [people ▾]",
        "Until: [2026-11-27]",
        "When: [date ▾]",
        "Minimum: [number]",
    ]
