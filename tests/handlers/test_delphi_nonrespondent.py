"""A person who does not answer a follow-up keeps their previous level (the Delphi rule), so the
follow-up's summary and the updated report cannot be differenced against the first round to
recover that person's answer."""

from tests.handlers.conftest import CHANNEL, Harness
from tests.handlers.test_delphi import keep, summary_message, texts

PEOPLE = ("U1", "U2", "U3", "U4", "U5", "U6")
FIRST = {"U1": 1, "U2": 1, "U3": 3, "U4": 3, "U5": 2, "U6": 1}
SPLIT = "3 say 1 · Needs immediate action, 1 says 2 · Room for improvement, 2 say 3 · Excellent"


async def test_a_follow_up_non_respondent_keeps_their_level(harness: Harness) -> None:
    h = harness
    for u in ("U4", "U5", "U6"):
        h.slack.add_user(u, name=u.lower(), locale="en-US")
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in PEOPLE))
    for u, level in FIRST.items():
        await h.press(u, "cx_start")
        for lv in (level, 2, 2, 2, 2):
            await h.answer_card(u, lv, 3, 2)
        await h.press(u, "cx_finish")
    await h.command("close")
    action_id, value, ts = h.button("U1", "cx_followup", summary_message(h))
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    for u in ("U1", "U2", "U3", "U4", "U5"):  # U6 does not answer the follow-up
        await h.press(u, "cx_start")
        await keep(h, u)
        await h.press(u, "cx_finish")
    await h.command("close anyway")
    said = texts(summary_message(h))
    level_now = next(line for line in said.splitlines() if line.startswith("*Customer data"))
    # the median of all six (1.5), as in the first round; without U6's 1 it would be 2
    assert level_now.endswith("between 1 · Needs immediate action and 2 · Room for improvement")
    assert "0 of 5 answers moved" in said  # only who answered both times are pairs
    report = [v.decode() for v in h.slack.uploads.values() if v[:1] != b"\x89"][-1]
    assert f"answers split: {SPLIT}" in report  # the first round's split: U6's level kept
