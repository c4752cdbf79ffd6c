"""The app's dependencies, built once and handed to every listener."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.delphi import Followups
from bot.dialogues import Dialogues
from bot.frameworks import Catalog
from bot.home import AppHome
from bot.plan import Plan
from bot.rounds import Rounds
from bot.slack_api import SlackGateway
from bot.storage import Store


@dataclass(frozen=True)
class Deps:
    settings: Settings
    catalog: Catalog
    store: Store
    slack: SlackGateway
    dialogues: Dialogues
    rounds: Rounds
    home: AppHome
    plan: Plan
    followups: Followups
