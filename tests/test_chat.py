"""`cx-assess chat` as a separate process: scripted input, end of input, kill -9 and resume."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answers import AreaAnswer
from bot.chat import CHAT_TEAM, chat_channel
from bot.storage import Store

pytestmark = pytest.mark.processes

PILLARS = ["--framework", "cx-pillars"]


def chat(db: Path, *args: str, stdin: str, name: str = "ana") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(db), "--name", name, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CX_ASSESS_FRAMEWORKS": ""},
    )


async def saved_answers(db: Path, framework: str, name: str = "ana") -> dict[str, AreaAnswer]:
    async with Store.open(str(db)) as store:
        found = await store.open_round(CHAT_TEAM, chat_channel(framework))
        assert found is not None
        return (await store.answers(found.id)).get(name, {})


def test_scripted_interview_to_the_end_shows_the_profile(tmp_path: Path) -> None:
    # 5 areas x (current, target, importance); then done at the review.
    lines = ["1", "3", "high"] * 4 + ["excellent", "3", "?", "done"]
    result = chat(tmp_path / "c.db", *PILLARS, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Please review your answers" in result.stdout
    assert "Your profile" in result.stdout
    assert "Customer data: 1 · Needs immediate action → 3 · Excellent · importance 3 · High" in (
        result.stdout
    )


def test_garbage_is_reasked_and_not_recorded(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    result = chat(db, *PILLARS, stdin="banana\n9\n2\n")
    assert "Sorry, I did not understand “banana”." in result.stdout
    assert "“9” is not one of the options." in result.stdout
    assert asyncio.run(saved_answers(db, "cx-pillars")) == {"data": AreaAnswer(current=2)}


def test_end_of_input_saves_and_resumes_at_the_pending_question(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = chat(db, *PILLARS, "--lang", "es", stdin="2\n3\nalta\n")
    assert first.returncode == 0
    assert (
        "Guardado. Para continuar más tarde: cx-assess chat --framework cx-pillars" in first.stdout
    )
    second = chat(db, *PILLARS, "--lang", "es", stdin="")
    assert second.stdout.lstrip().startswith("Diseño")
    assert "· 2 de 5" in second.stdout.splitlines()[1]


def test_kill_between_answers_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "c.db"

    async def run() -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "chat", "--db", str(db), "--name", "ana",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdin and proc.stdout
        await proc.stdout.readuntil(b"1 of 12")
        for answer, marker in (
            ("2", b"Target in 12 months?"),
            ("3", b"Routing and queueing \xc2\xb7 2 of 12"),
        ):
            proc.stdin.write(answer.encode() + b"\n")
            await proc.stdin.drain()
            await asyncio.wait_for(proc.stdout.readuntil(marker), 20)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()

    asyncio.run(run())
    answers = asyncio.run(saved_answers(db, "cx-maturity"))
    assert answers == {"cx-philosophy": AreaAnswer(current=2, target=3)}
    resumed = chat(db, stdin="")
    assert resumed.stdout.lstrip().startswith("Routing and queueing · 2 of 12")


def test_blank_lines_are_no_answer(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    result = chat(db, *PILLARS, stdin="\n  \n2\n")
    assert "did not understand" not in result.stdout
    assert asyncio.run(saved_answers(db, "cx-pillars")) == {"data": AreaAnswer(current=2)}


def test_output_cut_short_by_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m bot frameworks show cx-maturity | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.startswith("Contact center CX maturity") and "Traceback" not in proc.stderr


def test_both_answers_typed_at_once_and_a_bare_number_at_the_review(tmp_path: Path) -> None:
    lines = ["1 3", "high"] * 5 + ["3", "done"]
    result = chat(tmp_path / "c.db", *PILLARS, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Change area 3 · Experience delivery? Type yes (or “change 3”)" in (result.stdout)
    assert "Thank you!" in result.stdout  # "done" after the question: no loop
    answers = asyncio.run(saved_answers(tmp_path / "c.db", "cx-pillars"))
    assert {a.current for a in answers.values()} == {1} and len(answers) == 5


def test_spanish_prompts_ask_with_opening_marks_and_si_confirms_the_area_to_change(
    tmp_path: Path,
) -> None:
    lines = ["1 3", "alta"] * 5 + ["3", "sí", "siguiente", "enviar"]
    result = chat(tmp_path / "c.db", *PILLARS, "--lang", "es", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "¿Hoy? Escriba 1–3 o el nombre de un nivel" in result.stdout
    assert "¿Cambiar el área 3 · Ejecución de la experiencia? Escriba sí" in result.stdout
    assert "\nEjecución de la experiencia · 3 de 5\n" in result.stdout  # "sí" opened it
    assert "¡Gracias!" in result.stdout


def test_help_and_pause_in_the_terminal_speak_of_typing_not_buttons(tmp_path: Path) -> None:
    result = chat(tmp_path / "c.db", *PILLARS, "--lang", "es", stdin="ayuda\npausa\n")
    assert result.returncode == 0, result.stderr
    assert "Escriba el número o el nombre del nivel" in result.stdout
    assert "En pausa. Sus respuestas están guardadas.\n" in result.stdout
    assert "botón" not in result.stdout.lower()


def test_the_readmes_chat_excerpt_is_what_the_command_prints(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    command = "$ printf '1\\n3\\n' | cx-assess chat --framework cx-pillars --name ana --db my.db\n"
    shown = readme[readme.index(command) + len(command) :].split("```", 1)[0]
    result = chat(tmp_path / "my.db", *PILLARS, stdin="1\n3\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace(str(tmp_path / "my.db"), "my.db") == shown
