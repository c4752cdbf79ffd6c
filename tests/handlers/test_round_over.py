"""Buttons pressed after the round ended (an invitation's Start or snooze, an old card's level)
say that it ended and where the results are: never nothing, never "something went wrong"."""

from __future__ import annotations

from tests.handlers.conftest import CHANNEL, TEAM, Harness


async def test_buttons_after_the_close_say_where_the_results_are(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await h.press("U2", "cx_start")
    invitation_u3, invitation_u1 = h.dm_messages("U3")[0], h.dm_messages("U1")[0]
    assert await h.command("close anyway") == 200
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None

    await h.press("U3", "cx_start", invitation_u3)  # never started
    assert h.last_dm("U3")["text"] == (
        "Diese Bewertung ist bereits abgeschlossen; die Ergebnisse stehen in <#C0001>."
    )
    await h.press("U1", "cx_snooze_hour", invitation_u1)
    assert h.last_dm("U1")["text"] == (
        "Esta evaluación ya se cerró; los resultados están en <#C0001>."
    )
    before = len(h.dm_messages("U2"))
    await h.tap("U2", 2, "current")  # a level on the card left in view
    assert [m["text"] for m in h.dm_messages("U2")[before:]] == [
        "This assessment has closed; the results are in <#C0001>."
    ]
    person = await h.deps.store.participant(1, "U2")
    assert person is not None and person.state.answer("data").current is None  # not taken


async def test_buttons_after_a_cancel_say_it_was_canceled(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    invitation = h.dm_messages("U2")[0]
    assert await h.command("cancel") == 200
    await h.press("U2", "cx_start", invitation)
    assert h.last_dm("U2")["text"] == "This assessment for <#C0001> was canceled."
    await h.press("U2", "cx_snooze_tomorrow", invitation)
    assert h.last_dm("U2")["text"] == "This assessment for <#C0001> was canceled."
