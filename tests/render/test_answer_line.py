"""A person's own answer to one area, as the review, the thank-you and a finished card show it."""

from __future__ import annotations

from bot.answers import AreaAnswer, Mark
from bot.frameworks import Catalog
from bot.render.dialogue import answer_line


def test_not_sure_today_shows_only_what_was_given_after_it(catalog: Catalog) -> None:
    pillars = catalog.get("cx-pillars")
    data = pillars.area("data")
    assert answer_line(data, AreaAnswer(Mark.NOT_SURE), pillars, "en") == (
        "Customer data: Not sure"
    )  # not "Not sure → — · importance —"
    assert answer_line(data, AreaAnswer(Mark.NOT_SURE, 3, 3), pillars, "es") == (
        "Conocimiento del cliente: No lo sé → 3 · Excelente · importancia 3 · Alta"
    )
    assert answer_line(data, AreaAnswer(Mark.SKIPPED, Mark.SKIPPED), pillars, "de") == (
        "Kundenwissen: Übersprungen"
    )
    assert answer_line(data, AreaAnswer(2, None, 1), pillars, "en") == (
        "Customer data: 2 · Room for improvement → — · importance 1 · Low"
    )  # a level given: the rows left open still show as open
