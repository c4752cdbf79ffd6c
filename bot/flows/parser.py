"""Typed answers: turn what a person writes into a level, a command, or a reason to ask again.

Accepted for a level: its number ("3", "level 3", "3.", "tres"), its key ("maturation"), its
label in any language or a synonym from the framework (`Level.names`), an unambiguous prefix of
one of those ("matur", "entw"), or a sentence that names exactly one level ("hay margen de
mejora", "eher so mittel"), all case- and accent-insensitive. On a card that asks a target, two
numbers give both answers at once: "2 4", "2→4", "2 -> 4", "2 then 4", "2 to 4", "2 y 4",
"2 und 4", "dos y cuatro"; on a card that also asks importance, all three: "2 4 3", "2 4 high",
"2 y 4 alta". A sentence that names a level next to a number ("2 3 mittel") is not read as that
level. Commands have words in English, Spanish and German ("?", "no sé",
"weiß nicht", "saltar", "zurück", ...). Nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.answers import Ask
from bot.flows.interview import (
    Answer,
    Answers,
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
MIN_PREFIX = 3  # letters a prefix needs to name one level by itself ("entw"; not "si", "de")


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
    "no idea|no clue|dunno|cant say|hard to say|"
    "no se|no lo se|no estoy seguro|no estoy segura|no sabria decir|ni idea|no tengo idea|"
    "weiss nicht|weiss ich nicht|keine ahnung|unsicher|nicht sicher|kann ich nicht sagen",
    Command.SKIP: "skip|pass|next|saltar|omitir|paso|siguiente|uberspringen|auslassen|nachste",
    Command.BACK: "back|previous|prev|atras|volver|anterior|zuruck|zurueck",
    Command.HELP: "help|ayuda|hilfe|options|opciones|optionen",
    Command.PAUSE: "pause|later|stop|pausa|luego|despues|mas tarde|parar|spater|spaeter|anhalten",
    Command.FINISH: "done|finish|submit|listo|terminar|enviar|fertig|absenden",
    Command.START: "start|begin|continue|resume|go|empezar|comenzar|continuar|seguir|"
    "los|starten|weiter|fortsetzen|beginnen",
    Command.DECLINE: "not now|decline|ahora no|rechazar|nicht jetzt|ablehnen",
    Command.START_OVER: "start over|restart|empezar de nuevo|reiniciar|von vorne|neu starten",
}
# Confirming a question ("Change area 3?"); never an answer on a card.
_YES = frozenset({"yes", "y", "yep", "ok", "okay", "si", "s", "claro", "vale", "ja", "j", "genau"})
# A bare "no" is not an answer on any scale (not even "No definido" or "Nicht erfüllt").
_NEGATIONS = frozenset(
    {"no", "not", "nicht", "nein", "non", "no thanks", "no gracias", "nein danke"}
)
_COMMENT = re.compile(r"^(?:comment|note|comentario|nota|kommentar|notiz)\s*:\s*(.*)$", re.I | re.S)
_CHANGE = re.compile(r"^(?:change|edit|cambiar|editar|andern|aendern|bearbeiten)\s*#?(\d{1,3})$")
_AREA_NUMBER = re.compile(r"^#?(\d{1,3})$")
_COMMANDS = {word: command for command, words in _WORDS.items() for word in words.split("|")}
_NUMBER_WORDS = {
    word: value
    for value, words in enumerate(
        (
            "zero|cero|null",
            "one|uno|una|eins",
            "two|dos|zwei",
            "three|tres|drei",
            "four|cuatro|vier",
            "five|cinco|funf|fuenf",
        )
    )
    for word in words.split("|")
}
_N = r"(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_NUMBER = re.compile(rf"^(?:level|stage|nivel|etapa|stufe|phase)?\s*#?{_N}\s*[.)]?$")
_PAIR = re.compile(
    rf"^(?:from|de|desde|von)?\s*{_N}"
    rf"\s*(?:->|→|=>|>|/|-|then|to|and|y|a|luego|hasta|und|dann|bis|auf|nach)?\s*{_N}$"
)
# Both answers named the way the card's rows are: "today 2, in 12 months 4", "hoy 2 objetivo 4".
_TODAY = r"(?:today|now|currently|current|hoy|ahora|actual|heute|jetzt|aktuell)"
_LATER = (
    r"(?:in 12 months|12 months|in a year|target|goal|en 12 meses|12 meses|en un ano|objetivo|"
    r"meta|in 12 monaten|12 monaten|in einem jahr|ziel)"
)
_LABELLED_PAIR = re.compile(rf"^{_TODAY}\s*:?\s*{_N}\s*{_LATER}\s*:?\s*{_N}$")
# All three rows of a card that also asks importance: "2 4 3", "2/4/3".
_TRIPLE = re.compile(rf"^{_N}\s*(?:->|→|/|-)?\s*{_N}\s*(?:->|→|/|-)?\s*{_N}$")
# "2 out of 4", "un 2 de 3", "3 von 4": the second number is the scale's, not a level.
_OUT_OF = re.compile(rf"(?<!\w)(?:out of|of|de|sobre|von|aus)\s+{_N}(?!\w)")
# A number in a sentence, in digits or words; "one", "uno", "una" are left out, as articles
# ("one of", "una mejora") say nothing about a level.
_IN_SENTENCE = re.compile(
    r"(?<!\w)(\d{1,3}|"
    + "|".join(sorted(set(_NUMBER_WORDS) - {"one", "uno", "una"}, key=len, reverse=True))
    + r")(?![\w%])"
)
_NEGATING = frozenset({"not", "no", "nicht", "kein", "keine", "ni", "nunca", "never"})
HEDGED_WORDS = 4  # one level's number among so few hedging words is that level ("creo que 3")
# The only words that may stand beside it, as `normalize` spells them: articles and hedges
# ("in 2 weeks", "3 people" are asked about, never read as a level).
_HEDGES = frozenset(
    [
        "a",
        "an",
        "i",
        "think",
        "guess",
        "probably",
        "maybe",
        "about",
        "around",
        "roughly",
        "say",
        "ish",
        "so",
        "more",
        "or",
        "less",
        "un",
        "una",
        "creo",
        "que",
        "diria",
        "quiza",
        "quizas",
        "tal",
        "vez",
        "mas",
        "o",
        "menos",
        "probablemente",
        "digamos",
        "aprox",
        "ein",
        "eine",
        "einen",
        "ich",
        "denke",
        "glaube",
        "eher",
        "vielleicht",
        "etwa",
        "ungefahr",
        "wohl",
        "sagen",
        "wir",
        "mal",
    ]
)


@dataclass(frozen=True)
class LevelChoice:
    value: int


@dataclass(frozen=True)
class PairChoice:
    """Both answers of a card at once: today's level, then the target."""

    current: int
    target: int


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


@dataclass(frozen=True)
class WhichArea:
    """A bare number at the review: ask whether the area with that number is to be changed."""

    text: str
    number: int


ParsedReply = LevelChoice | PairChoice | CommandChoice | Ambiguous | Unrecognized
Reask = Ambiguous | Unrecognized | WhichArea


_WORD_HYPHEN = re.compile(r"(?<=\w)[-‐‑](?=\w)")


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced text with surrounding punctuation removed; a
    hyphen between two words reads as a space."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("’", "").replace("¿", "").replace("¡", "")
    plain = _WORD_HYPHEN.sub(" ", plain)  # "so-so" = "so so", "data-driven" = "data driven"
    plain = re.sub(r"[\s,;]+", " ", plain).strip()
    if plain.strip("?") == "":
        return plain
    return plain.strip(' .,;:!?"“”«»()[]')


def parse_reply(
    text: str, scale: Scale, *, pair: bool = False, sentences: bool = True
) -> ParsedReply:
    """Interpret ``text`` as an answer on ``scale`` (with ``pair``, also "current target"); a
    prefix shorter than `MIN_PREFIX` never names one level by itself (of several, it asks
    which); without ``sentences``, a name must be the whole reply (importance: "not that
    important" names no level)."""
    raw = text[:MAX_TYPED_CHARS]
    plain = normalize(raw)
    if not plain:
        return Unrecognized(raw.strip())
    if plain in _COMMANDS:
        return CommandChoice(_COMMANDS[plain])
    if plain in _NEGATIONS:
        return Unrecognized(raw.strip())
    if match := _NUMBER.match(plain):
        value = _number(match.group(1))
        if value in scale.values:
            return LevelChoice(value)
        return Unrecognized(raw.strip(), out_of_range=True)
    if pair and (match := _PAIR.match(plain) or _LABELLED_PAIR.match(plain)):
        current, target = _number(match.group(1)), _number(match.group(2))
        if current in scale.values and target in scale.values:
            return PairChoice(current, target)
        return Unrecognized(raw.strip(), out_of_range=True)
    exact = [lv for lv in scale.levels if plain in _names(lv)]
    if len(exact) == 1:
        return LevelChoice(exact[0].value)
    prefixed = exact or [lv for lv in scale.levels if any(n.startswith(plain) for n in _names(lv))]
    if len(prefixed) == 1 and len(plain) < MIN_PREFIX and not exact:
        return Unrecognized(raw.strip())  # "si", "de": too short to be taken for a name
    if len(prefixed) == 1:
        return LevelChoice(prefixed[0].value)
    if len(prefixed) > 1:
        return Ambiguous(raw.strip(), tuple(prefixed))
    if not sentences:
        return Unrecognized(raw.strip())
    named = _named_in(plain, scale)
    given = _IN_SENTENCE.findall(_OUT_OF.sub("", plain))
    numbers = {_number(n) for n in given} & set(scale.values)  # "in 12 months": not a level
    words = plain.split()
    hedged = len(given) == 1 and len(words) <= HEDGED_WORDS and set(words) - set(given) <= _HEDGES
    if hedged and not named and len(numbers) == 1:  # "un 2", "eine 2", "i think 3", "3 ish"
        return LevelChoice(next(iter(numbers)))
    if numbers and numbers != {level.value for level in named[:1]}:
        return Unrecognized(raw.strip())  # "2 3 mittel": never half-read ("2 mittel" is fine)
    if len(named) == 1:
        return LevelChoice(named[0].value)
    if len(named) > 1:
        return Ambiguous(raw.strip(), tuple(named))
    return Unrecognized(raw.strip())


def reserved_word(word: str) -> bool:
    """Whether a level key or synonym spelt ``word`` would be read as something else: a
    command in any language, a bare negation, a number (digits or a number word), or two or
    three numbers, bare or named as the card's rows (frameworks refuse such keys and synonyms)."""
    numbers = (_NUMBER, _PAIR, _LABELLED_PAIR, _TRIPLE)
    return any(
        plain in _COMMANDS or plain in _NEGATIONS or any(p.match(plain) for p in numbers)
        for plain in (normalize(word), normalize(word.replace("-", " ")))
    )


def _word_before(text: str, index: int) -> str:
    words = text[:index].split()
    return words[-1] if words else ""


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _named_in(plain: str, scale: Scale) -> list[Level]:
    """The levels a sentence names as whole words; a name inside a longer one that was also
    found ("met" in "not met") does not count, and a negated name ("not excellent") voids all."""
    found: list[tuple[int, int, Level]] = []
    for level in scale.levels:
        for name in _names(level):
            for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", plain):
                found.append((match.start(), match.end(), level))
    kept = [
        (start, end, level)
        for start, end, level in found
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in found)
    ]
    if any(_word_before(plain, start) in _NEGATING for start, _, _ in kept):
        return []
    levels: list[Level] = []
    for _, _, level in sorted(kept, key=lambda item: item[0]):
        if level not in levels:
            levels.append(level)
    return levels


def parse_command(text: str) -> Command | None:
    """The command ``text`` names, if any (for states that expect no level)."""
    return _COMMANDS.get(normalize(text[:MAX_TYPED_CHARS]))


def _names(level: Level) -> set[str]:
    names = {normalize(name) for name in level.names()}
    names.add(normalize(level.key.replace("-", " ")))
    return names - {""}


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


def _all_three(
    raw: str, prompt: Question, current: int, target: int, importance: int
) -> Answers | Unrecognized:
    """A card's three rows typed at once, when each value is one of its row's options."""
    rows = ((Ask.CURRENT, current), (Ask.TARGET, target), (Ask.IMPORTANCE, importance))
    if all(value in prompt.scale_of(ask).values for ask, value in rows):
        return Answers(current, target, importance)
    return Unrecognized(raw.strip(), out_of_range=True)


def _three(raw: str, prompt: Question) -> Answers | Unrecognized | None:
    """A card's three rows typed at once, on any of its rows: three numbers ("2 4 3", "2/4/3")
    or both levels and then the importance in words ("2 4 high", "2 y 4 alta"); None when the
    text is not of that shape."""
    plain = normalize(raw)
    if triple := _TRIPLE.match(plain):
        return _all_three(raw, prompt, *(_number(value) for value in triple.groups()))
    words = plain.replace("/", " ").split()  # "2/3/hoch" too
    for cut in range(len(words) - 1, 1, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if (pair := _PAIR.match(head) or _LABELLED_PAIR.match(head)) is None:
            continue
        importance = parse_reply(tail, prompt.scale_of(Ask.IMPORTANCE), sentences=False)
        if isinstance(importance, LevelChoice):
            current, target = _number(pair.group(1)), _number(pair.group(2))
            return _all_three(raw, prompt, current, target, importance.value)
    return None


def interpret(
    text: str, prompt: Prompt, area_ids: tuple[str, ...], asked: WhichArea | None = None
) -> Event | Reask:
    """What a typed message means while ``prompt`` is shown; never raises.

    At a card: a level (for its first open question), both levels at once, a command or
    ``comment: ...``. At the review or after finishing: "change 2" (a bare "2" is asked about,
    not guessed; when that was ``asked``, "yes" / "sí" / "ja" or the same number again
    confirms), or a command. Elsewhere: a command, and any other text starts (or resumes) the
    dialogue.
    """
    if match := _COMMENT.match(text.strip()):
        return Comment(match.group(1))
    raw = text[:MAX_TYPED_CHARS]
    if isinstance(prompt, Question):
        ask = prompt.awaiting or Ask.CURRENT
        pair = Ask.TARGET in prompt.asks and ask is not Ask.IMPORTANCE
        if all(row in prompt.asks for row in Ask) and (three := _three(raw, prompt)):
            return three
        parsed = parse_reply(
            raw, prompt.scale_of(ask), pair=pair, sentences=ask is not Ask.IMPORTANCE
        )
        if isinstance(parsed, LevelChoice):
            return Answer(parsed.value, prompt.area.id, ask)
        if isinstance(parsed, PairChoice):
            return Answers(parsed.current, parsed.target)
        if isinstance(parsed, CommandChoice):
            if parsed.command is Command.START and prompt.complete:
                return Skip(prompt.area.id)  # "weiter" on a complete card: go on
            return _EVENTS[parsed.command]
        return parsed
    plain = normalize(raw)
    if isinstance(prompt, Review | Finished):
        if asked is not None and (plain in _YES or plain == normalize(asked.text)):
            return Change(area_ids[asked.number - 1])
        explicit = _CHANGE.match(plain)
        if match := explicit or _AREA_NUMBER.match(plain):
            number = int(match.group(1))
            if not 1 <= number <= len(area_ids):
                return Unrecognized(raw.strip(), out_of_range=True)
            return Change(area_ids[number - 1]) if explicit else WhichArea(raw.strip(), number)
        command = _COMMANDS.get(plain)
        return _EVENTS[command] if command else Unrecognized(raw.strip())
    if plain in _NEGATIONS:
        return Decline()
    command = _COMMANDS.get(plain)
    return _EVENTS[command] if command else Start()
