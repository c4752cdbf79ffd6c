"""Typed answers: turn what a person writes into a level, a command, or a reason to ask again.

Accepted for a level: its number ("3", "level 3", "3."), its key ("maturation"), its label in
any language of the framework ("Maduración"), or an unambiguous prefix of a key or label
("matur", "entw"), all case- and accent-insensitive. Commands have words in English, Spanish and
German ("?", "no sé", "weiß nicht", "saltar", "zurück", ...). `parse_reply` never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.flows.interview import (
    Answer,
    Back,
    Change,
    Comment,
    Decline,
    Event,
    Finish,
    Finished,
    Help,
    NotSure,
    Pause,
    Prompt,
    Question,
    Review,
    Skip,
    Start,
    StartOver,
)
from bot.frameworks import Level, Scale

MAX_TYPED_CHARS = 200


class Command(StrEnum):
    NOT_SURE = "not_sure"
    SKIP = "skip"
    BACK = "back"
    HELP = "help"
    PAUSE = "pause"
    FINISH = "finish"
    START = "start"
    DECLINE = "decline"
    START_OVER = "start_over"


# Words per command, "|"-separated, already normalized (lower case, no accents).
_WORDS: dict[Command, str] = {
    Command.NOT_SURE: "?|??|not sure|unsure|dont know|do not know|i dont know|idk|n/a|"
    "no se|no lo se|no estoy seguro|no estoy segura|ni idea|"
    "weiss nicht|weiss ich nicht|keine ahnung|unsicher|nicht sicher",
    Command.SKIP: "skip|pass|saltar|omitir|paso|uberspringen|auslassen",
    Command.BACK: "back|previous|prev|atras|volver|anterior|zuruck|zurueck",
    Command.HELP: "help|ayuda|hilfe|options|opciones|optionen",
    Command.PAUSE: "pause|later|stop|pausa|luego|despues|mas tarde|parar|spater|spaeter|anhalten",
    Command.FINISH: "done|finish|submit|listo|terminar|enviar|fertig|absenden",
    Command.START: "start|begin|continue|resume|go|empezar|comenzar|continuar|seguir|"
    "los|starten|weiter|fortsetzen|beginnen",
    Command.DECLINE: "not now|decline|ahora no|rechazar|nicht jetzt|ablehnen",
    Command.START_OVER: "start over|restart|empezar de nuevo|reiniciar|von vorne|neu starten",
}
# A bare "no" is not an answer on any scale (not even "No definido" or "Nicht erfüllt").
_NEGATIONS = frozenset(
    {"no", "not", "nicht", "nein", "non", "no thanks", "no gracias", "nein danke"}
)
_COMMENT = re.compile(r"^(?:comment|note|comentario|nota|kommentar|notiz)\s*:\s*(.*)$", re.I | re.S)
_CHANGE = re.compile(r"^(?:change|edit|cambiar|editar|andern|aendern|bearbeiten)?\s*#?(\d{1,3})$")
_COMMANDS = {word: command for command, words in _WORDS.items() for word in words.split("|")}
_NUMBER = re.compile(r"^(?:level|stage|nivel|etapa|stufe|phase)?\s*#?(\d{1,3})\s*[.)]?$")


@dataclass(frozen=True)
class LevelChoice:
    value: int


@dataclass(frozen=True)
class CommandChoice:
    command: Command


@dataclass(frozen=True)
class Ambiguous:
    """The text fits several levels; ask which one."""

    text: str
    candidates: tuple[Level, ...]


@dataclass(frozen=True)
class Unrecognized:
    """The text is neither a level nor a command; ask again listing the options."""

    text: str
    out_of_range: bool = False


ParsedReply = LevelChoice | CommandChoice | Ambiguous | Unrecognized
Reask = Ambiguous | Unrecognized


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced text with surrounding punctuation removed."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("’", "").replace("¿", "").replace("¡", "")
    plain = re.sub(r"[\s,;]+", " ", plain).strip()
    if plain.strip("?") == "":
        return plain
    return plain.strip(' .,;:!?"“”«»()[]')


def parse_reply(text: str, scale: Scale) -> ParsedReply:
    """Interpret ``text`` as an answer on ``scale``; never raises."""
    raw = text[:MAX_TYPED_CHARS]
    plain = normalize(raw)
    if not plain:
        return Unrecognized(raw.strip())
    if plain in _COMMANDS:
        return CommandChoice(_COMMANDS[plain])
    if plain in _NEGATIONS:
        return Unrecognized(raw.strip())
    if match := _NUMBER.match(plain):
        value = int(match.group(1))
        if value in scale.values:
            return LevelChoice(value)
        return Unrecognized(raw.strip(), out_of_range=True)
    exact = [lv for lv in scale.levels if plain in _names(lv)]
    if len(exact) == 1:
        return LevelChoice(exact[0].value)
    prefixed = exact or [lv for lv in scale.levels if any(n.startswith(plain) for n in _names(lv))]
    if len(prefixed) == 1:
        return LevelChoice(prefixed[0].value)
    if len(prefixed) > 1:
        return Ambiguous(raw.strip(), tuple(prefixed))
    return Unrecognized(raw.strip())


def reserved_word(key: str) -> bool:
    """Whether a level key spelt ``key`` would be read as something else: a command in any
    language, a bare negation, or a number (frameworks refuse such keys)."""
    return any(
        plain in _COMMANDS or plain in _NEGATIONS or _NUMBER.match(plain)
        for plain in (normalize(key), normalize(key.replace("-", " ")))
    )


def parse_command(text: str) -> Command | None:
    """The command ``text`` names, if any (for states that expect no level)."""
    return _COMMANDS.get(normalize(text[:MAX_TYPED_CHARS]))


def _names(level: Level) -> set[str]:
    names = {normalize(level.key), normalize(level.key.replace("-", " "))}
    names.update(normalize(label) for label in level.label.variants())
    return names


_EVENTS: dict[Command, Event] = {
    Command.NOT_SURE: NotSure(),
    Command.SKIP: Skip(),
    Command.BACK: Back(),
    Command.HELP: Help(),
    Command.PAUSE: Pause(),
    Command.FINISH: Finish(),
    Command.START: Start(),
    Command.DECLINE: Decline(),
    Command.START_OVER: StartOver(),
}


def interpret(text: str, prompt: Prompt, area_ids: tuple[str, ...]) -> Event | Reask:
    """What a typed message means while ``prompt`` is shown; never raises.

    At a question: a level, a command or ``comment: ...``. At the review or after finishing:
    an area number to change it ("2", "change 2"), or a command. Elsewhere: a command, and any
    other text starts (or resumes) the dialogue.
    """
    if match := _COMMENT.match(text.strip()):
        return Comment(match.group(1))
    raw = text[:MAX_TYPED_CHARS]
    if isinstance(prompt, Question):
        parsed = parse_reply(raw, prompt.scale)
        if isinstance(parsed, LevelChoice):
            return Answer(parsed.value, prompt.area.id, prompt.ask)
        if isinstance(parsed, CommandChoice):
            return _EVENTS[parsed.command]
        return parsed
    plain = normalize(raw)
    if isinstance(prompt, Review | Finished):
        if match := _CHANGE.match(plain):
            number = int(match.group(1))
            if 1 <= number <= len(area_ids):
                return Change(area_ids[number - 1])
            return Unrecognized(raw.strip(), out_of_range=True)
        command = _COMMANDS.get(plain)
        return _EVENTS[command] if command else Unrecognized(raw.strip())
    if plain in _NEGATIONS:
        return Decline()
    command = _COMMANDS.get(plain)
    return _EVENTS[command] if command else Start()
