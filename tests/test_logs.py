"""Tokens and secrets never reach a log line."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactSecrets, configure_logging


def test_tokens_and_secrets_are_redacted_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(["s3cr3t-signing", None]))
    log = logging.getLogger("test-redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling with %s and %s", "xoxb-1234-abcd", "xapp-1-A0-xyz")
        try:
            raise RuntimeError("bad secret s3cr3t-signing for xoxp-999-aaa")
        except RuntimeError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "xoxb-1234" not in text and "xapp-1" not in text and "xoxp-999" not in text
    assert "s3cr3t-signing" not in text
    assert text.startswith("calling with [redacted] and [redacted]\nfailed\nTraceback")
    assert text.endswith("RuntimeError: bad secret [redacted] for [redacted]\n")


def test_a_secret_shorter_than_eight_characters_is_not_redacted_and_is_warned_about() -> None:
    assert RedactSecrets(["s", "abcdefg"]).redact("signing secrets abcdefg") == (
        "signing secrets abcdefg"
    )
    assert RedactSecrets(["abcdefgh"]).redact("x abcdefgh y") == "x [redacted] y"
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": None}, stream)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    text = stream.getvalue()
    assert "SLACK_SIGNING_SECRET is shorter than 8 characters: it is not redacted" in text
    assert "SLACK_BOT_TOKEN" not in text and "[redacted]" not in text
