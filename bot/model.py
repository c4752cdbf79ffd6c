"""The domain records: rounds, participants and their dialogue state, invitees, exactly-once
posts, actions and schedules, with the predicates callers ask of them. No SQL, no Slack: the
store (`bot.storage`) reads and writes these, the shell and the renderers use them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.flows.interview import InterviewState, Phase
from bot.frameworks import Framework


class RoundStatus(StrEnum):
    """A round is open until it is closed (with a summary) or cancelled (without)."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PostKind(StrEnum):
    """The posts made exactly once."""

    ANNOUNCEMENT = "announcement"
    INVITATION = "invitation"
    SUMMARY = "summary"


class PostState(StrEnum):
    DUE = "due"  # to be sent; no attempt under way
    CLAIMED = "claimed"  # an attempt is under way, or ended without an answer
    SENT = "sent"
    REFUSED = "refused"  # Slack refused it for good; not tried again


@dataclass(frozen=True)
class PostKey:
    """One post: a round's announcement or summary, or one person's invitation."""

    round_id: int
    kind: PostKind
    user_id: str = ""


@dataclass(frozen=True)
class Claim:
    """The right to send a post now. ``look_first``: an earlier attempt's outcome is unknown,
    so look for the message (posted since ``since``, its metadata carrying ``nonce``, the same
    for every attempt) before posting it."""

    key: PostKey
    claimed_at: datetime
    since: datetime
    look_first: bool
    nonce: str


AttemptOver = Callable[[str | None, datetime], bool]
"""Whether the attempt of a claim (its process, when it was claimed) is certainly over."""


@dataclass(frozen=True)
class PostStatus:
    state: PostState
    error: str | None


class RoundAlreadyOpen(Exception):
    """A channel may hold one open round at a time."""

    def __init__(self, round_id: int) -> None:
        self.round_id = round_id
        super().__init__(f"round {round_id} is still open in this channel")


class FollowupExists(Exception):
    """That iteration of the round's Delphi follow-up was started already."""


class RoundNotOpen(Exception):
    """The round was closed or cancelled meanwhile."""


@dataclass(frozen=True)
class Round:
    id: int
    team_id: str
    channel_id: str
    framework: Framework
    started_by: str
    status: RoundStatus
    lang: str
    min_responses: int | None
    deadline: datetime | None
    created_at: datetime
    closed_at: datetime | None
    result: dict[str, Any] | None
    announce_ts: str | None = None
    summary_ts: str | None = None
    followup_of: int | None = None
    """A Delphi follow-up: the first round it follows up (None for a round of its own)."""
    iteration: int = 1
    """1 for the round itself, 2 for its first follow-up, … (see `followup_number`)."""


def followup_number(iteration: int) -> int:
    """The number people read for an iteration: the first follow-up (iteration 2) is 1."""
    return iteration - 1


@dataclass(frozen=True)
class Participant:
    round_id: int
    user_id: str
    locale: str
    state: InterviewState
    updated_at: datetime
    tz: str | None = None
    dm_channel: str | None = None
    invited_at: datetime | None = None
    prompt_ts: str | None = None
    reminders_sent: int = 0
    reminded_at: datetime | None = None
    snooze_until: datetime | None = None

    @property
    def finished(self) -> bool:
        """Submitted their answers."""
        return self.state.phase is Phase.FINISHED

    @property
    def said_not_now(self) -> bool:
        """Said not now: a snooze without a time, so not finished (reminded like the others)."""
        return self.state.phase is Phase.DECLINED

    def snoozed(self, now: datetime) -> bool:
        """They asked to be reminded later than ``now``."""
        return self.snooze_until is not None and self.snooze_until > now


@dataclass(frozen=True)
class Invitee:
    """Someone to add to a round, with what Slack told us about them."""

    user_id: str
    locale: str = "en"
    tz: str | None = None


@dataclass(frozen=True)
class PromptRef:
    """Which dialogue step a DM message asked (to file thread replies as comments)."""

    round_id: int
    user_id: str
    area_id: str | None
    ask: str | None


@dataclass(frozen=True)
class Action:
    """A roadmap item someone took on: what, who, by when; ``done_at`` is None while open."""

    id: int
    team_id: str
    channel_id: str
    round_id: int
    framework_id: str
    area_id: str
    what: str
    owner: str
    owner_name: str
    owner_tz: str | None
    lead: str
    due: date
    created_by: str
    created_at: datetime
    done_by: str | None = None
    done_at: datetime | None = None
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class Schedule:
    """A channel's recurring round: what to start, with whom, how often, and when next."""

    team_id: str
    channel_id: str
    framework_id: str
    lead: str
    lead_tz: str | None
    users: tuple[str, ...]
    """Empty: the channel's members at each run."""
    lang: str
    min_responses: int | None
    deadline_days: int | None
    cadence: str
    next_run: datetime
    created_at: datetime
    waiting_told: datetime | None = None
    """The run its lead was told waits for the channel's open round (`Plan._tell_waiting`)."""


@dataclass(frozen=True)
class DiscussionReply:
    """What someone wrote in a discussion thread (``ts``: the message's, which orders them)."""

    user_id: str
    text: str
    ts: str


@dataclass(frozen=True)
class Discussion:
    """A disagreement's discussion thread: the channel message starting it and its replies."""

    area_id: str
    channel_id: str
    ts: str
    replies: tuple[DiscussionReply, ...] = ()


@dataclass(frozen=True)
class Snoozed:
    """A snooze taken: when the reminder comes, and the round's deadline when that moved it
    earlier than asked."""

    until: datetime
    closes: datetime | None = None


@dataclass(frozen=True)
class Reminded:
    """What a remind did: how many it reminded (a post Slack may have made counts), how many it
    left out for having been reminded within the hour, who it left out for a pending snooze,
    and who it left out for having said not now (the lead's remind only)."""

    count: int
    recent: int = 0
    snoozed: tuple[Participant, ...] = ()
    not_now: tuple[Participant, ...] = ()
