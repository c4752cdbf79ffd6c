"""Answers as CSV: read a workshop spreadsheet into answers, and write a round's answers out.

The format (UTF-8, one header row, then one row per participant and area)::

    participant,area,current,target,importance,comment

- ``current`` and ``target``: a level's value (``3``) or key (``maturation``); ``?`` or an empty
  ``current`` means not sure; ``skip`` means the person skipped the question (how a skip is
  written); an empty ``target`` or ``importance`` means none was given.
- ``importance``: ``1``-``3`` or ``low`` / ``medium`` / ``high``.
- ``participant``, ``area`` and ``current`` are required columns; the others are optional and
  extra columns are ignored. Blank lines are skipped.
- The same participant and area twice, an unknown area, a value off the scale: each is an error
  naming the line and the column. Files are limited to `MAX_BYTES` and `MAX_LINES`.

Written files end lines with CRLF (RFC 4180); write them as they are (``newline=""``).

Comments starting with ``= + - @`` are written with a leading ``'`` (and read back without it) so
that spreadsheets do not run them as formulas.
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Iterator, Mapping
from dataclasses import replace

from bot.analysis import AreaResult, Report
from bot.answers import AreaAnswer, Mark, Reply
from bot.files import FileTooLarge, read_bounded
from bot.flows.interview import IMPORTANCE_SCALE, MAX_COMMENT_CHARS
from bot.frameworks import Framework, Scale

COLUMNS = ("participant", "area", "current", "target", "importance", "comment")
REQUIRED = COLUMNS[:3]
MAX_BYTES = 5_000_000
MAX_LINES = 200_000
NOT_SURE = "?"
SKIPPED = "skip"
_FORMULA_START = ("=", "+", "-", "@")

Answers = dict[str, dict[str, AreaAnswer]]
"""Participant -> area id -> answer, in the order of the file."""


class AnswersFileError(ValueError):
    """A CSV of answers that cannot be used; the message names the file, line and column."""

    def __init__(
        self, source: str, problem: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.source, self.problem, self.line, self.column = source, problem, line, column
        where = source if line is None else f"{source}: line {line}"
        if column is not None:
            where += f"{':' if line is None else ','} column {column}"
        super().__init__(f"{where}: {problem}")


def read_answers(path: str | os.PathLike[str], framework: Framework) -> Answers:
    """Read and check the CSV file at ``path`` against ``framework``."""
    source = str(path)
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")  # \r kept inside cells
    except FileTooLarge:
        raise AnswersFileError(source, _too_large()) from None
    except OSError as exc:
        raise AnswersFileError(source, f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AnswersFileError(source, "not UTF-8 text (save the sheet as CSV UTF-8)") from None
    return parse_answers(text, framework, source)


def parse_answers(text: str, framework: Framework, source: str = "answers.csv") -> Answers:
    """Parse CSV ``text`` (see the module docstring); `AnswersFileError` on the first problem."""
    if len(text) > MAX_BYTES:
        raise AnswersFileError(source, _too_large())
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    indexes, width = _header(reader, source)
    records = _Records(framework, source)
    answers: Answers = {}
    first_seen: dict[tuple[str, str], int] = {}
    while True:
        line = reader.line_num + 1  # where the next record starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise AnswersFileError(source, _csv_problem(exc), line) from None
        if reader.line_num > MAX_LINES:
            raise AnswersFileError(source, _too_large())
        if not any(cell.strip() for cell in row):
            continue
        row += [""] * (width - len(row))  # short rows, and the empty cell of absent columns
        participant, area_id, answer = records.read([row[i].strip() for i in indexes], line)
        if (participant, area_id) in first_seen:
            earlier = first_seen[participant, area_id]
            problem = f"{participant!r} already answered {area_id!r} on line {earlier}"
            raise AnswersFileError(source, problem, line, "area")
        first_seen[participant, area_id] = line
        answers.setdefault(participant, {})[area_id] = answer
    return answers


def write_answers(answers: Mapping[str, Mapping[str, AreaAnswer]]) -> str:
    """``answers`` as CSV text, participants and areas in the order given.

    Not sure is written as ``?``, skipped as ``skip``, and unanswered replies as empty cells.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # CRLF line ends, as RFC 4180; cells with \r or \n get quotes
    writer.writerow(COLUMNS)
    for participant, per_area in answers.items():
        for area_id, answer in per_area.items():
            writer.writerow(
                [
                    participant,
                    area_id,
                    _cell(answer.current),
                    _cell(answer.target),
                    _cell(answer.importance),
                    guarded(answer.comment or ""),
                ]
            )
    return buffer.getvalue()


def for_export(
    answers: Mapping[str, Mapping[str, AreaAnswer]], report: Report
) -> dict[str, dict[str, AreaAnswer]]:
    """What an export may hold: only people who replied to every area, only the areas the
    ``report`` shows with their counts, of those only the rows it shows (a target or an
    importance given too few times stays blank, see `bot.analysis`), and no comments.

    With anything less, a lead who knows who was still answering, or how far each person got
    (``status``), could pick that person's rows out of the pseudonymised file; a comment can
    name its writer and would then give away their levels (comments are in the report, unlinked).
    """
    area_ids = [area.id for area in report.framework.areas]
    shown = exported_areas(report)
    return {
        person: {
            area: replace(
                answer,
                target=answer.target if shown[area].target is not None else None,
                importance=answer.importance if shown[area].importance is not None else None,
                comment=None,
            )
            for area, answer in per_area.items()
            if area in shown
        }
        for person, per_area in answers.items()
        if all(per_area.get(a, AreaAnswer()).current is not None for a in area_ids)
    }


def exported_areas(report: Report) -> dict[str, AreaResult]:
    """The areas whose answers an export may hold: those shown, with their counts (a follow-up's
    levels whose counts it keeps back, `counts_hidden`, would show them in the rows)."""
    return {r.id: r for r in report.areas if not (r.below_min_responses or r.counts_hidden)}


def pseudonymise(
    answers: Mapping[str, Mapping[str, AreaAnswer]], rng: random.Random | None = None
) -> Answers:
    """The same answers under ``P01``, ``P02``, ... in a shuffled order, then each area's answers
    shuffled again among the rows that hold that area: a row is nobody's.

    Shuffled, because any order a reader could know (invitation, user id, name) would let them
    map the numbers back to people; each area on its own, because a row holding one person's
    every answer would give all of them away to a reader who knows one (someone who said in a
    discussion thread how they rated an area). Every figure of an area reads the same from the
    file; how many gave a level anywhere (``responded``) may not, as a row now mixes people.
    Pass a seeded ``rng`` for a reproducible deal.
    """
    rng = rng or random.SystemRandom()
    people = [dict(per_area) for per_area in answers.values()]
    rng.shuffle(people)
    areas = dict.fromkeys(area for per_area in people for area in per_area)
    for area in areas:  # among the rows that answered it: who completed stays as it was
        holders = [per_area for per_area in people if area in per_area]
        given = [per_area[area] for per_area in holders]
        rng.shuffle(given)
        for per_area, answer in zip(holders, given, strict=True):
            per_area[area] = answer
    width = max(2, len(str(len(people))))
    return {f"P{number:0{width}d}": per_area for number, per_area in enumerate(people, start=1)}


# --------------------------------------------------------------------------- reading


def _header(reader: Iterator[list[str]], source: str) -> tuple[list[int], int]:
    """The index of each of `COLUMNS` in a record (an absent one points past the header's end)
    and the width to pad records to."""
    try:
        header = next(reader)
    except StopIteration:
        raise AnswersFileError(
            source, f"the file is empty: expected the header {','.join(COLUMNS)}"
        ) from None
    except csv.Error as exc:
        raise AnswersFileError(source, _csv_problem(exc), 1) from None
    found: dict[str, int] = {}
    for index, name in enumerate(cell.strip().lower() for cell in header):
        if name not in COLUMNS:
            continue  # extra columns are ignored
        if name in found:
            raise AnswersFileError(source, "this column appears twice", 1, name)
        found[name] = index
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise AnswersFileError(
            source,
            f"missing column(s) {', '.join(missing)} (expected the header {','.join(COLUMNS)})",
            1,
        )
    return [found.get(name, len(header)) for name in COLUMNS], len(header) + 1


class _Records:
    """Reads records (cells in `COLUMNS` order) as answers to one framework."""

    def __init__(self, framework: Framework, source: str) -> None:
        self.framework, self.source = framework, source
        self.area_ids = frozenset(area.id for area in framework.areas)
        scale = framework.scale
        self.levels = (
            _choices(scale),
            (
                f"a level of {framework.id} (use {scale.bottom}-{scale.top}, a key such as "
                f"{scale.levels[1].key}, {NOT_SURE} for not sure or {SKIPPED})"
            ),
        )
        self.importances = (
            _choices(IMPORTANCE_SCALE),
            f"an importance (use 1-3, low, medium or high, {NOT_SURE} for not sure or {SKIPPED})",
        )

    def read(self, cells: list[str], line: int) -> tuple[str, str, AreaAnswer]:
        """The participant, area id and answer; `AnswersFileError` naming a bad cell."""
        participant, area_id, current, target, importance, comment = cells
        if not participant:
            raise AnswersFileError(self.source, "the participant is empty", line, "participant")
        if area_id not in self.area_ids:
            known = ", ".join(area.id for area in self.framework.areas)
            problem = f"{area_id!r} is not an area of {self.framework.id} (its areas are: {known})"
            raise AnswersFileError(self.source, problem, line, "area")
        comment = _unguarded(comment)
        if len(comment) > MAX_COMMENT_CHARS:
            problem = f"the comment is longer than {MAX_COMMENT_CHARS} characters"
            raise AnswersFileError(self.source, problem, line, "comment")
        level = self._reply(self.levels, current, line, "current")
        answer = AreaAnswer(
            current=Mark.NOT_SURE if level is None else level,
            target=self._reply(self.levels, target, line, "target"),
            importance=self._reply(self.importances, importance, line, "importance"),
            comment=comment or None,
        )
        return participant, area_id, answer

    def _reply(
        self, allowed: tuple[dict[str, Reply | None], str], cell: str, line: int, column: str
    ) -> Reply | None:
        choices, hint = allowed
        try:
            return choices[cell.casefold()]
        except KeyError:
            raise AnswersFileError(self.source, f"{cell!r} is not {hint}", line, column) from None


def _choices(scale: Scale) -> dict[str, Reply | None]:
    """What a cell may hold, case-folded: empty (no reply), ``?``, ``skip``, a level's value or
    key."""
    choices: dict[str, Reply | None] = {"": None, NOT_SURE: Mark.NOT_SURE, SKIPPED: Mark.SKIPPED}
    for level in scale.levels:
        choices[str(level.value)] = choices[level.key.casefold()] = level.value
    return choices


def _cell(reply: Reply | None) -> str:
    if isinstance(reply, Mark):
        return NOT_SURE if reply is Mark.NOT_SURE else SKIPPED
    return "" if reply is None else str(reply)


def guarded(comment: str) -> str:
    """A cell a spreadsheet will not run as a formula (a leading quote when it looks like one)."""
    return f"'{comment}" if comment.startswith(_FORMULA_START) else comment


def _unguarded(comment: str) -> str:
    quoted = comment.startswith("'") and comment[1:].startswith(_FORMULA_START)
    return comment[1:] if quoted else comment


def _csv_problem(exc: csv.Error) -> str:
    if str(exc) == "unexpected end of data":
        return 'not valid CSV: a quote (") opened in this record is never closed'
    return f"not valid CSV: {exc}"


def _too_large() -> str:
    return f"the file is too large (at most {MAX_BYTES:,} bytes and {MAX_LINES:,} lines)"
