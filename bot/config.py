"""Settings from the environment (and a ``.env`` file for local runs), in one frozen dataclass."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.flows.slash import MAX_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from bot.storage.engines import is_postgres, shown

DEFAULT_MIN_RESPONSES = MIN_RESPONSES_FLOOR
DEFAULT_CONSENSUS_THRESHOLD = 0.7
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """An environment variable holds a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment. Secrets are kept out of ``repr``."""

    database: str = "./cx-assess.db"  # a SQLite path or sqlite:/// URL, or a postgresql:// URL
    frameworks_dir: str | None = None
    min_responses: int = DEFAULT_MIN_RESPONSES
    consensus_threshold: float = DEFAULT_CONSENSUS_THRESHOLD
    log_level: str = "INFO"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None  # with the secret: OAuth, installed into many workspaces
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_timeout: int = 30  # seconds a Web API call may take
    tick_seconds: float = 60.0  # how often the clock runs
    host: str = "0.0.0.0"
    port: int = 3000

    def __post_init__(self) -> None:
        if self.min_responses < MIN_RESPONSES_FLOOR:  # anonymity: see MIN_RESPONSES_FLOOR
            raise ConfigError(
                f"CX_ASSESS_MIN_RESPONSES must be at least {MIN_RESPONSES_FLOOR}"
                f" (fewer answers could be one person's), got {self.min_responses}"
            )

    def __repr__(self) -> str:
        visible = {
            k: shown(v) if k == "database" else v
            for k, v in self.__dict__.items()
            if not k.startswith("slack_") or k in ("slack_api_url", "slack_client_id")
        }
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in visible.items())})"

    @property
    def oauth(self) -> bool:
        """Whether the app is installed through OAuth into any number of workspaces (both the
        client id and secret are set), rather than run with one ``SLACK_BOT_TOKEN``."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: ``os.environ``); bad values raise `ConfigError`."""
        env = os.environ if env is None else env
        return cls(
            database=_database(env) or cls.database,
            frameworks_dir=env.get("CX_ASSESS_FRAMEWORKS") or None,
            min_responses=_int(
                env,
                "CX_ASSESS_MIN_RESPONSES",
                DEFAULT_MIN_RESPONSES,
                low=MIN_RESPONSES_FLOOR,
                high=MAX_MIN_RESPONSES,
            ),
            consensus_threshold=_float(
                env, "CX_ASSESS_CONSENSUS_THRESHOLD", DEFAULT_CONSENSUS_THRESHOLD
            ),
            log_level=_log_level(env),
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID") or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL") or cls.slack_api_url,
            slack_timeout=_int(env, "CX_ASSESS_SLACK_TIMEOUT", cls.slack_timeout, low=1),
            tick_seconds=_seconds(env, "CX_ASSESS_TICK_SECONDS", cls.tick_seconds),
            host=env.get("HOST") or cls.host,
            port=_int(env, "PORT", 3000, low=0),
        )


def load_dotenv_file(path: str = ".env") -> None:
    """Read ``.env`` into the environment when present; variables already set win."""
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def _database(env: Mapping[str, str]) -> str | None:
    """``CX_ASSESS_DB``, else the platform's ``DATABASE_URL`` when it names PostgreSQL."""
    own = env.get("CX_ASSESS_DB")
    if own:
        return own
    platform = env.get("DATABASE_URL")
    return platform if platform and is_postgres(platform) else None


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return level


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low:
        raise ConfigError(f"{name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise ConfigError(f"{name} must be at most {high}, got {value}")
    return value


def _number(
    env: Mapping[str, str], name: str, default: float, what: str, valid: Callable[[float], bool]
) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
    if not valid(value):
        raise ConfigError(f"{name} must be {what}, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, "a number of seconds above 0", lambda v: 0 < v < math.inf)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, "a number between 0 and 1", lambda v: 0 <= v <= 1)
