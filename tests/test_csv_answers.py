"""Answers as CSV: reading a workshop sheet, every error message, and the write/read round trip."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import AreaAnswer, Mark
from bot.csv_answers import (
    MAX_BYTES,
    MAX_LINES,
    AnswersFileError,
    parse_answers,
    pseudonymise,
    read_answers,
    write_answers,
)
from bot.frameworks import parse_framework
from tests.samples import MINI_YAML

MINI = parse_framework(yaml.safe_load(MINI_YAML), "mini")  # levels 1 low, 2 medium, 3 high
HEADER = "participant,area,current,target,importance,comment\n"
NS, SK = Mark.NOT_SURE, Mark.SKIPPED


def test_levels_by_value_or_key_not_sure_and_empty_cells() -> None:
    text = (
        "\ufeffParticipant, Area ,CURRENT,target,importance,comment,team\n"
        'Ana,alpha,1,High,low,"Slow, mostly",ops\n'
        "\n"
        "Ana,beta,?,3,3,,\n"
        "Ben,alpha, medium ,?,,,\n"
        "Ben,beta,,,,Never seen it,\n"
    )
    assert parse_answers(text, MINI) == {
        "Ana": {
            "alpha": AreaAnswer(1, 3, 1, "Slow, mostly"),
            "beta": AreaAnswer(NS, 3, 3),
        },
        "Ben": {
            "alpha": AreaAnswer(2, NS),
            "beta": AreaAnswer(NS, comment="Never seen it"),
        },
    }


def test_only_participant_area_and_current_columns_are_required() -> None:
    assert parse_answers("area,current,participant\nalpha,2,Ana\n", MINI) == {
        "Ana": {"alpha": AreaAnswer(2)}
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER + "Ana,alpha,1,,,\nAna,beta,maybe,,,\n",
            "answers.csv: line 3, column current: 'maybe' is not a level of mini "
            "(use 1-3, a key such as medium, ? for not sure or skip)",
        ),
        (
            HEADER + "Ana,alpha,1,4,,\n",
            "answers.csv: line 2, column target: '4' is not a level of mini "
            "(use 1-3, a key such as medium, ? for not sure or skip)",
        ),
        (
            HEADER + "Ana,alpha,1,,urgent,\n",
            "answers.csv: line 2, column importance: 'urgent' is not an importance "
            "(use 1-3, low, medium or high, ? for not sure or skip)",
        ),
        (
            HEADER + "Ana,gamma,1,,,\n",
            "answers.csv: line 2, column area: 'gamma' is not an area of mini "
            "(its areas are: alpha, beta)",
        ),
        (
            HEADER + ",alpha,1,,,\n",
            "answers.csv: line 2, column participant: the participant is empty",
        ),
        (
            HEADER + 'Ana,alpha,1,,,"two\nlines"\nBen,beta,1,,,\nAna,alpha,2,,,\n',
            "answers.csv: line 5, column area: 'Ana' already answered 'alpha' on line 2",
        ),
        (
            HEADER + "Ana,alpha,1,,," + "x" * 2001 + "\n",
            "answers.csv: line 2, column comment: the comment is longer than 2000 characters",
        ),
        (
            "participant,area,target\nAna,alpha,1\n",
            "answers.csv: line 1: missing column(s) current "
            "(expected the header participant,area,current,target,importance,comment)",
        ),
        (
            "participant,area,current,Current\n",
            "answers.csv: line 1, column current: this column appears twice",
        ),
        (
            "",
            "answers.csv: the file is empty: expected the header "
            "participant,area,current,target,importance,comment",
        ),
        (
            HEADER + "Ana,alpha,1,,,\nAna,beta,1,,," + "x" * 200_000 + "\n",
            "answers.csv: line 3: not valid CSV: field larger than field limit (131072)",
        ),
        (  # an unclosed quote would swallow the next participant's rows into a comment
            HEADER + 'Ana,alpha,1,,,"fine\nBen,alpha,3,,,\nBen,beta,3,,,\n',
            'answers.csv: line 2: not valid CSV: a quote (") opened in this record is never closed',
        ),
        (
            HEADER + 'Ana,alpha,1,,,"fine"x\n',
            "answers.csv: line 2: not valid CSV: ',' expected after '\"'",
        ),
    ],
)
def test_a_bad_file_names_the_line_and_the_column(text: str, message: str) -> None:
    with pytest.raises(AnswersFileError) as error:
        parse_answers(text, MINI)
    assert str(error.value) == message


def test_size_is_bounded_in_bytes_and_rows(tmp_path: Path) -> None:
    too_large = "answers.csv: the file is too large (at most 5,000,000 bytes and 200,000 lines)"
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "x" * MAX_BYTES, encoding="utf-8")
    with pytest.raises(AnswersFileError, match="too large"):
        read_answers(big, MINI)
    with pytest.raises(AnswersFileError) as error:
        parse_answers(HEADER + "Ana,alpha,1\n" + "\n" * (MAX_LINES - 1), MINI)
    assert str(error.value) == too_large


def test_size_is_bounded_by_the_bytes_read_not_the_size_the_file_system_reports() -> None:
    with pytest.raises(AnswersFileError) as error:
        read_answers("/dev/zero", MINI)  # st_size 0, endless
    assert str(error.value) == (
        "/dev/zero: the file is too large (at most 5,000,000 bytes and 200,000 lines)"
    )


def test_unreadable_files_are_reported_with_their_path(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "Zoë,alpha,1,,,\n".encode("latin-1"))
    with pytest.raises(AnswersFileError, match=r"latin\.csv: not UTF-8 text"):
        read_answers(latin, MINI)
    with pytest.raises(AnswersFileError, match=r"missing\.csv: cannot read the file"):
        read_answers(tmp_path / "missing.csv", MINI)


def test_written_answers_mark_not_sure_and_skips() -> None:
    answers = {
        "P01": {
            "alpha": AreaAnswer(2, NS, comment="=SUM(A1)"),
            "beta": AreaAnswer(SK, SK, SK),
        }
    }
    assert write_answers(answers) == (
        HEADER.replace("\n", "\r\n") + "P01,alpha,2,?,,'=SUM(A1)\r\nP01,beta,skip,skip,skip,\r\n"
    )


def test_a_written_file_reads_back_with_line_breaks_inside_comments(tmp_path: Path) -> None:
    answers = {"P01": {"beta": AreaAnswer(3, comment='one\r\ntwo\rthree, "four"')}}
    path = tmp_path / "answers.csv"
    path.write_text(write_answers(answers), encoding="utf-8", newline="")
    assert read_answers(path, MINI) == answers


replies = st.sampled_from([1, 2, 3, NS])
comments = st.none() | st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
).filter(lambda c: c == c.strip() and not c.startswith("'") and len(c) <= 2000)
answer = st.builds(
    AreaAnswer, replies | st.just(SK), st.none() | replies, st.none() | replies, comments
)
people = st.dictionaries(
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
    ).filter(lambda p: p == p.strip()),
    st.dictionaries(st.sampled_from(["alpha", "beta"]), answer, min_size=1),
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(people)
def test_what_is_written_reads_back_the_same(answers: dict[str, dict[str, AreaAnswer]]) -> None:
    assert parse_answers(write_answers(answers), MINI) == answers


def test_pseudonyms_number_people_in_a_shuffled_order() -> None:
    answers = {name: {"alpha": AreaAnswer(v)} for v, name in enumerate(["Ann", "Bo", "Cy"], 1)}
    shuffled = pseudonymise(answers, random.Random(3))
    assert list(shuffled) == ["P01", "P02", "P03"]
    assert sorted(a["alpha"].current for a in shuffled.values()) == [1, 2, 3]
    assert pseudonymise(answers, random.Random(3)) == shuffled
    orders = {tuple(a["alpha"].current for a in pseudonymise(answers).values()) for _ in range(40)}
    assert len(orders) > 1  # no fixed order that a reader could map back to people
    many = pseudonymise({str(i): {} for i in range(100)})
    assert list(many) == [f"P{i:03d}" for i in range(1, 101)]


def test_a_pseudonymised_row_is_nobody_s_answers() -> None:
    """Each area is dealt out on its own: knowing one person's answer to one area (they said so
    in a discussion thread) must not give away their others."""
    people = [f"U{i}" for i in range(6)]
    areas = [f"a{k}" for k in range(10)]
    # the comment tags whose answer it was (an export has none: here it traces the deal)
    answers = {
        person: {area: AreaAnswer(1 + (i + k) % 4, comment=person) for k, area in enumerate(areas)}
        for i, person in enumerate(people)
    }
    for seed in range(20):
        rows = pseudonymise(answers, random.Random(seed))
        for area in areas:  # every answer is there once, under some pseudonym
            dealt = sorted((r[area].comment or "", r[area].current) for r in rows.values())
            assert dealt == sorted((p, answers[p][area].current) for p in people)
        whole = [r for r in rows.values() if len({a.comment for a in r.values()}) == 1]
        assert whole == []  # no row holds one person's answers alone
    assert pseudonymise(answers, random.Random(1)) == pseudonymise(answers, random.Random(1))


HEADER = "participant,area,current,target,importance,comment\n"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400), st.text(max_size=400).map(lambda body: HEADER + body)))
def test_any_text_gives_answers_or_a_clear_error(text: str) -> None:
    try:
        answers = parse_answers(text, MINI)
    except AnswersFileError as exc:
        assert str(exc).startswith("answers.csv")
    else:
        assert all(set(areas) <= {"alpha", "beta"} for areas in answers.values())
