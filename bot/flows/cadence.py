"""How often a recurring round runs: ``quarter``, ``month`` or ``N weeks`` (pure).

The same words work in the slash command (``--every 2 weeks``) and the start form; Spanish and
German words are understood too. Runs are computed from the scheduled moment, not from when a
round actually started, so a schedule never drifts.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_WEEKS = 52
OPEN_DAYS = 14
"""How long a run started without a deadline stays open (less for a shorter cadence)."""
_WEEKS = re.compile(r"([0-9]{1,2})\s*(?:weeks?|w|semanas?|wochen?)", re.IGNORECASE)
_QUARTER = frozenset({"quarter", "quarterly", "trimestre", "quartal"})
_MONTH = frozenset({"month", "monthly", "mes", "monat"})


@dataclass(frozen=True)
class Cadence:
    """Every ``months`` months, or every ``weeks`` weeks (exactly one is set)."""

    months: int = 0
    weeks: int = 0

    @property
    def key(self) -> str:
        """The stored form: ``quarter``, ``month`` or ``Nw``."""
        if self.months == 3:
            return "quarter"
        if self.months == 1:
            return "month"
        return f"{self.weeks}w"

    @classmethod
    def from_key(cls, key: str) -> Cadence:
        found = parse_cadence({"quarter": "quarter", "month": "month"}.get(key, key))
        if found is None:
            raise ValueError(f"not a cadence: {key!r}")
        return found

    def after(self, moment: datetime) -> datetime:
        """The run after ``moment``: the same day of the month (or the month's last day)."""
        if self.weeks:
            return moment + timedelta(weeks=self.weeks)
        month = moment.month - 1 + self.months
        year, month = moment.year + month // 12, month % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)

    def open_days(self, start: datetime) -> int:
        """How many days a run started at ``start`` without a deadline stays open: `OPEN_DAYS`,
        or a day less than the interval when that is shorter, so that it closes by itself
        before the next run is due (the next run waits while a round is open)."""
        return min(OPEN_DAYS, (self.after(start) - start).days - 1)

    def next_after(self, scheduled: datetime, now: datetime) -> datetime:
        """The first run after ``scheduled`` that lies after ``now`` (missed runs are skipped)."""
        moment = self.after(scheduled)
        while moment <= now:
            moment = self.after(moment)
        return moment


def parse_cadence(text: str) -> Cadence | None:
    """``quarter``, ``month`` or ``N weeks`` (N 1 to 52 in ASCII digits), else None."""
    words = " ".join(text.split()).lower()
    if words in _QUARTER:
        return Cadence(months=3)
    if words in _MONTH:
        return Cadence(months=1)
    if (weeks := _WEEKS.fullmatch(words)) and 1 <= int(weeks.group(1)) <= MAX_WEEKS:
        return Cadence(weeks=int(weeks.group(1)))
    return None
