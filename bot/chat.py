"""`cx-assess chat`: take an assessment in the terminal, through the same engine and store."""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.flows.interview import (
    Finished,
    Notice,
    Paused,
    Phase,
    Question,
    Start,
    Transition,
    advance,
    prompt_for,
)
from bot.flows.parser import Ambiguous, Unrecognized, WhichArea, interpret
from bot.frameworks import Framework
from bot.i18n import t
from bot.model import Invitee
from bot.render.dialogue import notice_text, reask_hint, reask_text
from bot.render.terminal import follow_up, render_prompt
from bot.storage import Store

CHAT_TEAM = "local"


def chat_channel(framework_id: str) -> str:
    """Terminal rounds live in a pseudo-channel per framework."""
    return f"chat:{framework_id}"


async def run_chat(
    store: Store,
    framework: Framework,
    *,
    name: str,
    lang: str,
    stdin: TextIO,
    out: TextIO,
    resume_command: str,
    echo: bool = False,
) -> int:
    """Walk ``name`` through ``framework``; every answer is committed before the next prompt."""
    channel = chat_channel(framework.id)
    current = await store.open_round(CHAT_TEAM, channel)
    if current is None:
        current = await store.create_round(
            team_id=CHAT_TEAM,
            channel_id=channel,
            framework=framework,
            started_by=name,
            participants=[Invitee(name, lang)],
            lang=lang,
        )
    person = await store.participant(current.id, name)
    if person is None:
        person = await store.add_participant(current.id, name, lang)
    snapshot = current.framework  # the round's own copy, immune to later YAML edits
    area_ids = tuple(area.id for area in snapshot.areas)
    state = person.state
    if state.phase in (Phase.INVITED, Phase.DECLINED):
        step = advance(snapshot, state, Start())
        await store.save_progress(current.id, name, step.state, step.changed)
    else:
        step = Transition(state, prompt_for(snapshot, state))
    resumed_finished = step.state.phase is Phase.FINISHED
    show, shown = True, step.prompt
    asked: WhichArea | None = None  # "Change area 3?" awaiting a yes
    while True:
        if show:
            same_card = (
                isinstance(step.prompt, Question)
                and isinstance(shown, Question)
                and shown.area.id == step.prompt.area.id
                and shown is not step.prompt
            )
            if same_card:
                assert isinstance(step.prompt, Question)
                out.write(follow_up(step.prompt, lang) + "\n")
            else:
                out.write(render_prompt(step.prompt, snapshot, lang) + "\n")
            if resumed_finished:
                out.write(t(lang, "review_hint") + "\n")
                resumed_finished = False
            elif isinstance(step.prompt, Finished):
                return 0
        if isinstance(step.prompt, Paused):
            out.write(t(lang, "resume_hint", command=resume_command) + "\n")
            return 0
        out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            out.write("\n" + t(lang, "resume_hint", command=resume_command) + "\n")
            return 0
        if not line.strip():
            show = False
            continue  # a blank line is no answer
        if echo:
            out.write(f"> {line.rstrip()}\n")
        event = interpret(line.rstrip("\n"), step.prompt, area_ids, asked)
        asked = event if isinstance(event, WhichArea) else None
        if isinstance(event, Ambiguous | Unrecognized | WhichArea):
            hint = (
                reask_hint(step.prompt, lang)
                if isinstance(step.prompt, Question)
                else t(lang, "review_hint")
            )
            text = reask_text(event, hint, snapshot, lang)
            if isinstance(event, WhichArea):
                text += " " + t(lang, "which_area_typed", number=event.number)
            out.write(text + "\n")
            show = False
            continue
        shown = step.prompt
        step = advance(snapshot, step.state, event)
        await store.save_progress(current.id, name, step.state, step.changed)
        if step.notice is Notice.HELP:  # no card, no buttons here
            out.write(t(lang, "notice_help_terminal") + "\n")
        elif step.notice is not None:
            area = snapshot.area(step.changed[0]) if step.changed else None
            out.write(notice_text(step.notice, lang, area) + "\n")
        show = step.notice is None or step.prompt != shown
