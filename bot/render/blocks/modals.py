"""Modals: the start form (framework, participants, deadline, language) and a one-date form."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from bot.flows.slash import MAX_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from bot.frameworks import LANGUAGES, Catalog
from bot.i18n import t
from bot.render.blocks import clip

START_MODAL = "cx_start_modal"
MAX_OPTIONS = 100  # Slack's limit for a static select
LANGUAGE_NAMES = {"en": "English", "es": "Español", "de": "Deutsch"}


def start_modal(
    catalog: Catalog, lang: str, *, channel_id: str, last_framework: str | None = None
) -> View:
    """The modal that bare ``/cx-assess`` opens; ``private_metadata`` carries the channel. The
    framework the channel used last is preselected; without one, the lead picks (no default
    that would start the wrong assessment unnoticed)."""
    frameworks = [
        Option(value=f.id, text=clip(f"{f.name.get(lang)} ({len(f.areas)})", 75)) for f in catalog
    ][:MAX_OPTIONS]
    last = next((option for option in frameworks if option.value == last_framework), None)
    languages = [Option(value=code, text=LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return View(
        type="modal",
        callback_id=START_MODAL,
        private_metadata=channel_id,
        title=PlainTextObject(text=clip(t(lang, "modal_title"), 24)),
        submit=PlainTextObject(text=clip(t(lang, "start"), 24)),
        close=PlainTextObject(text=clip(t(lang, "cancel"), 24)),
        blocks=[
            InputBlock(
                block_id="framework",
                label=t(lang, "modal_framework"),
                element=StaticSelectElement(
                    action_id="value",
                    options=frameworks,
                    initial_option=last,
                    placeholder=t(lang, "modal_framework_pick"),
                ),
            ),
            InputBlock(
                block_id="participants",
                label=t(lang, "modal_participants"),
                hint=t(lang, "modal_participants_hint"),
                optional=True,
                element=UserMultiSelectElement(action_id="value"),
            ),
            InputBlock(
                block_id="deadline",
                label=t(lang, "modal_deadline"),
                hint=t(lang, "modal_deadline_hint"),
                optional=True,
                element=DatePickerElement(action_id="value"),
            ),
            InputBlock(
                block_id="min_responses",
                label=t(lang, "modal_min_responses"),
                hint=t(lang, "modal_min_responses_hint"),
                optional=True,
                element=NumberInputElement(
                    action_id="value",
                    is_decimal_allowed=False,
                    min_value=str(MIN_RESPONSES_FLOOR),
                    max_value=str(MAX_MIN_RESPONSES),
                ),
            ),
            InputBlock(
                block_id="every",
                label=t(lang, "modal_every"),
                hint=t(lang, "modal_every_hint"),
                optional=True,
                element=PlainTextInputElement(action_id="value", max_length=40),
            ),
            InputBlock(
                block_id="lang",
                label=t(lang, "modal_language"),
                element=StaticSelectElement(
                    action_id="value",
                    options=languages,
                    initial_option=languages[LANGUAGES.index(lang)],
                ),
            ),
        ],
    )


def date_form(
    callback_id: str, metadata: str, title: str, text: str, label: str, start: date, lang: str
) -> View:
    """A form that asks one date (block ``due``): ``text`` says what for, the picker opens at
    ``start``; *Save* and *Cancel*."""
    return View(
        type="modal",
        callback_id=callback_id,
        private_metadata=metadata,
        title=clip(title, 24),
        submit=clip(t(lang, "plan_modal_save"), 24),
        close=clip(t(lang, "cancel"), 24),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(text))),
            InputBlock(
                block_id="due",
                label=label,
                element=DatePickerElement(action_id="value", initial_date=start.isoformat()),
            ),
        ],
    )
