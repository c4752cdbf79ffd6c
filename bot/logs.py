"""Logging set-up: one format; tokens and secrets never reach a log line, and neither does an
answer tied to a person, at any level."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TextIO

_TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8
"""Shorter secrets are not redacted: replacing every ``s`` in a log helps nobody."""
QUIET_LOGGERS = ("aiosqlite", "slack_sdk")
"""Libraries whose DEBUG lines carry what people wrote next to their user id: aiosqlite logs every
statement with its parameters, slack-sdk every request and response body (and Socket Mode
payload). They log at INFO at most, whatever ``LOG_LEVEL`` says."""

log = logging.getLogger(__name__)


class RedactSecrets(logging.Filter):
    """Rewrites every record so that Slack tokens and the given secrets read ``[redacted]``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET_CHARS]

    def redact(self, text: str) -> str:
        text = _TOKEN.sub(REDACTED, text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(
    level: str, secrets: Mapping[str, str | None] | None = None, stream: TextIO | None = None
) -> None:
    """Log to ``stream`` (stderr) at ``level``, redacting tokens and ``secrets`` (setting name
    -> value) from every record; warns about a secret too short to be redacted."""
    secrets = secrets or {}
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets.values()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    for name, secret in secrets.items():
        if secret and len(secret) < MIN_SECRET_CHARS:
            log.warning(
                "%s is shorter than %s characters: it is not redacted from the logs; "
                "use the value Slack generated",
                name,
                MIN_SECRET_CHARS,
            )
