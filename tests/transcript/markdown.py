"""A played script as Markdown: counts, the script, then every reader's messages in order."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from tests.blockkit import render_blocks, slack_text
from tests.transcript.recording import Kind, Seen
from tests.transcript.stage import Act, Did, Person
from tests.transcript.steps import Transcript

WIDTH = 100


@dataclass(frozen=True)
class Counts:
    """What one reader received and did."""

    received: int
    answering: int
    updated: int
    taps: int
    typed: int
    sizes: tuple[int, ...]
    total: int

    def row(self, who: str) -> str:
        low, mid, high = (
            (min(self.sizes), statistics.median(self.sizes), max(self.sizes))
            if self.sizes
            else (0, 0, 0)
        )
        return (
            f"| {who} | {self.received} | {self.answering} | {self.updated} | {self.taps} "
            f"| {self.typed} "
            f"| {low} / {mid:.0f} / {high} | {self.total:,} |"
        )


@dataclass(frozen=True)
class Target:
    """Issue 10's measure: ``person`` answers ``framework`` with ``answers`` taps, and gets at
    most ``messages`` messages from Start to Submit and taps at most once per answer plus two."""

    person: Person
    framework: str
    answers: int
    messages: int

    def sentence(self, counts: Counts) -> str:
        """What the target asks and how ``counts`` (the person's) measure against it."""

        def verdict(got: int, most: int) -> str:
            return "met" if got <= most else "missed"

        return (
            f"Issue 10's target for `{self.framework}`: at most {self.messages} messages from "
            "Start to Submit, at most one tap per answer plus two (Start, Submit), each message "
            f"readable on a phone without “See more”. {self.person.name} gives {self.answers} "
            f"answers by tapping: {counts.answering} messages from Start to Submit (at most "
            f"{self.messages}: {verdict(counts.answering, self.messages)}), {counts.taps} taps "
            f"(at most {self.answers} + 2 = {self.answers + 2}: "
            f"{verdict(counts.taps, self.answers + 2)}), the longest message "
            f"{max(counts.sizes, default=0)} characters."
        )


class Renderer:
    """The transcript as Markdown: counts, the script, then each reader's messages in order."""

    def __init__(self, transcript: Transcript, counted: int) -> None:
        self.t, self.counted = transcript, counted
        self._names = transcript.names

    def name(self, some_id: str) -> str:
        return self._names.get(some_id, some_id)

    def lines_of(self, seen: Seen) -> list[str]:
        """The message as text (unwrapped)."""
        if seen.kind is Kind.FILE:
            return [f"📎 {seen.file}", *([slack_text(seen.text, self.name)] if seen.text else [])]
        if seen.blocks:
            return render_blocks(seen.blocks, self.name)
        return slack_text(seen.text, self.name).split("\n")

    def counts(self, person: Person) -> Counts:
        feed = [s for s in self.t.feed if s.reader == person.user_id and s.step <= self.counted]
        new = [s for s in feed if _is_new(s)]
        updated = [s for s in feed if s.kind is Kind.UPDATE]
        mine = [a for a in self.t.acts if a.user_id == person.user_id and a.step <= self.counted]
        sizes = tuple(len("\n".join(self.lines_of(s))) for s in new)
        first, last = (mine[0].step, mine[-1].step) if mine else (0, -1)
        return Counts(
            received=len(new),
            answering=sum(first <= s.step <= last for s in new),
            updated=len(updated),
            taps=sum(a.did is Did.TAP for a in mine),
            typed=sum(a.did is Did.TYPE for a in mine),
            sizes=sizes,
            total=sum(sizes) + sum(len("\n".join(self.lines_of(s))) for s in updated),
        )

    def counts_table(self) -> list[str]:
        lines = [
            "| who | messages received | of them from Start to Submit | updated in place | taps "
            "| typed | characters per message: min / median / max | characters in all |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for person in self.t.cast:
            if person.participant:
                lines.append(self.counts(person).row(f"{person.name} ({person.role})"))
        return lines

    def script(self) -> list[str]:
        return [
            f"{n}. {_md_inline(step.describe())}" + (" *(not shown in full)*" if step.quiet else "")
            for n, step in enumerate(self.t.steps, 1)
        ]

    def reader(self, reader: str) -> list[str]:
        """Everything ``reader`` saw, step by step, in a text block."""
        numbers: dict[str, int] = {}
        out = ["```text"]
        for n, step in enumerate(self.t.steps, 1):
            feed = [s for s in self.t.feed if s.step == n and s.reader == reader]
            acts = [a for a in self.t.acts if a.step == n and a.user_id == reader]
            if not feed and not acts:
                continue
            out.append(f"── {n} · {step.describe()}")
            if step.quiet:
                shown = [_number(seen, numbers) for seen in feed if _is_new(seen)]
                out.append(f"      ({_tally(feed, acts, shown)}: not shown)")
                continue
            for seen in feed:
                out += self.entry(seen, numbers)
        out.append("```")
        return out

    def entry(self, seen: Seen, numbers: dict[str, int]) -> list[str]:
        """One thing ``seen`` by its reader, numbered in ``numbers`` (message ts -> number)."""
        lines = self.lines_of(seen)
        if seen.kind is Kind.UPDATE:
            if seen.ts not in numbers:
                raise ValueError(
                    f"step {seen.step}: an update of a message {seen.reader} never got"
                )
            number = numbers[seen.ts]
            head, lines = f"✎ {number:>2}", [f"(message {number}, updated)", *lines]
        elif seen.kind is Kind.VIEW:
            head, lines = "▣   ", [f"(a form opens: {seen.text})", *lines]
        elif seen.kind is Kind.HOME:
            head, lines = "⌂   ", ["(the app's Home tab)", *lines]
        elif seen.kind is Kind.PERSON:
            head, lines = "✍   ", [f"{self.name(seen.author)}: {lines[0]}", *lines[1:]]
        else:
            number = _number(seen, numbers)
            head = f"{'◌' if seen.kind is Kind.EPHEMERAL else '●'} {number:>2}"
            if seen.kind is Kind.EPHEMERAL:
                lines = [f"(only you see this, in #{self.name(seen.where)})", *lines]
        indent = "      ↳ " if seen.thread_ts and seen.thread_ts != seen.ts else ""
        return _wrap(lines, f"{indent}{head}  ")


def _is_new(seen: Seen) -> bool:
    """A message of its own in the reader's numbering (not an update, a form or the Home tab)."""
    return seen.kind not in (Kind.UPDATE, Kind.VIEW, Kind.HOME)


def _number(seen: Seen, numbers: dict[str, int]) -> int:
    """The next number of the reader's messages, given to the new message ``seen``."""
    numbers[seen.ts or f"file-{len(numbers)}"] = number = len(numbers) + 1
    return number


def _tally(feed: Sequence[Seen], acts: Sequence[Act], numbered: Sequence[int]) -> str:
    """What a step not shown in full did: replies typed, new messages (with their numbers)."""
    new, updated = len(numbered), sum(s.kind is Kind.UPDATE for s in feed)
    typed = sum(a.did is Did.TYPE for a in acts)
    parts = [f"{typed} repl{'ies' if typed != 1 else 'y'} typed"] if typed else []
    if numbered:
        span = f"{numbered[0]}" if new == 1 else f"{numbered[0]}–{numbered[-1]}"
        parts.append(f"{new} new message{'s' * (new != 1)} ({span})")
    parts += [f"{updated} updated"] if updated else []
    return ", ".join(parts)


def _wrap(lines: Sequence[str], head: str) -> list[str]:
    """Lines wrapped to `WIDTH`; the first starts with ``head``, the rest are indented to it."""
    pad = " " * len(head)
    out: list[str] = []
    for line in lines or [""]:
        lead = line[: len(line) - len(line.lstrip())]
        wrapped = textwrap.wrap(
            line,
            WIDTH - len(pad),
            subsequent_indent=lead + "  " if line.lstrip().startswith(("•", "-")) else lead,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        out += [pad + w for w in wrapped]
    out[0] = head + out[0][len(pad) :]
    return [line.rstrip() for line in out]


def _md_inline(text: str) -> str:
    """Text for a Markdown list item: emphasis marks escaped outside `code` spans."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("*", "\\*").replace("_", "\\_")
    return "`".join(parts)


def render(
    transcript: Transcript,
    *,
    title: str,
    intro: str,
    legend: str,
    counted: int,
    scope: str,
    target: Target,
) -> str:
    """The whole document; the counts cover the first ``counted`` steps (``scope``), measured
    against ``target``."""
    r = Renderer(transcript, counted)
    participants = [p for p in transcript.cast if p.participant]
    others = [p for p in transcript.cast if not p.participant]
    out = [f"# {title}", "", intro.strip(), "", "## Counts", ""]
    out += [f"Per participant, steps 1–{counted} ({scope}):", "", *r.counts_table(), ""]
    out += [target.sentence(r.counts(target.person)), ""]
    out += ["## The cast", "", "| who | Slack locale | time zone | role |", "|---|---|---|---|"]
    out += [f"| {p.name} | {p.locale} | {p.tz} | {p.role} |" for p in transcript.cast]
    out += ["", "## The script", "", *r.script(), "", "## How to read the transcripts", ""]
    out += [legend.strip(), ""]
    for person in [*participants, *others]:
        out += [f"## {person.name}, {person.role} ({person.locale})", ""]
        out += [*r.reader(person.user_id), ""]
    out += [f"## #{transcript.room.name}: what everyone in the channel sees", ""]
    out += [*r.reader(transcript.room.channel_id)]
    return "\n".join(out).rstrip() + "\n"
