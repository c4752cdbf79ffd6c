"""What one person answered for one area: the value shared by the dialogue, the store and the analysis."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Ask(StrEnum):
    """What a question asks about an area."""

    CURRENT = "current"
    TARGET = "target"
    IMPORTANCE = "importance"


class Mark(StrEnum):
    """An answer that is deliberately not a level; it never counts as one."""

    NOT_SURE = "not_sure"
    SKIPPED = "skipped"


Reply = int | Mark
"""A level value, or a `Mark`."""


@dataclass(frozen=True)
class AreaAnswer:
    """One person's answers for one area; ``None`` means not asked or not answered yet."""

    current: Reply | None = None
    target: Reply | None = None
    importance: Reply | None = None
    comment: str | None = None

    def get(self, ask: Ask) -> Reply | None:
        value: Reply | None = getattr(self, ask.value)
        return value

    def with_reply(self, ask: Ask, reply: Reply | None) -> AreaAnswer:
        if ask is Ask.CURRENT:
            return replace(self, current=reply)
        if ask is Ask.TARGET:
            return replace(self, target=reply)
        return replace(self, importance=reply)

    def level(self, ask: Ask) -> int | None:
        """The level given for ``ask``, or None when it is unanswered, skipped or not sure."""
        value = self.get(ask)
        return value if isinstance(value, int) else None

    @property
    def has_level(self) -> bool:
        """True when the current level was given (the person 'responded' to this area)."""
        return self.level(Ask.CURRENT) is not None
