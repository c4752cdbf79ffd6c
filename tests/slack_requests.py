"""Requests as Slack sends them to the app: slash commands, button clicks, view submissions,
events; and their signature. Shared by the end-to-end tests and the benchmarks."""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
APP_ID = "A0001"


@dataclass(frozen=True)
class SlackRequest:
    """A body and its content type, unsigned (`signed_headers` signs it when it is sent)."""

    body: str
    content_type: str


def signed_headers(
    request: SlackRequest, secret: str, *, age: int = 0, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Slack's headers for ``request``: ``age`` seconds old, signed with ``secret``."""
    ts = str(int(time.time()) - age)
    return {
        "content-type": request.content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": SignatureVerifier(secret).generate_signature(
            timestamp=ts, body=request.body
        ),
        **(extra or {}),
    }


def slash_command(
    text: str, *, user: str, team: str, channel: str, response_url: str, trigger_id: str
) -> SlackRequest:
    form = {
        "command": "/cx-assess",
        "text": text,
        "user_id": user,
        "team_id": team,
        "channel_id": channel,
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return SlackRequest(urllib.parse.urlencode(form), FORM)


def _payload(payload: dict[str, Any]) -> SlackRequest:
    return SlackRequest("payload=" + urllib.parse.quote(json.dumps(payload)), FORM)


def block_actions(
    user: str,
    team: str,
    action_id: str,
    value: str,
    *,
    channel: str,
    ts: str,
    response_url: str | None = None,
) -> SlackRequest:
    """A click on a button of the message ``ts`` in ``channel`` (with the ``response_url``
    Slack gives such a click, when one is passed)."""
    return _payload(
        {
            **({"response_url": response_url} if response_url else {}),
            "type": "block_actions",
            "user": {"id": user, "team_id": team},
            "team": {"id": team},
            "api_app_id": APP_ID,
            "container": {"type": "message", "channel_id": channel, "message_ts": ts},
            "channel": {"id": channel},
            "trigger_id": f"trigger-{user}-{ts}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "value": value,
                    "block_id": "b",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    )


def view_submission(
    user: str, team: str, view: dict[str, Any], values: dict[str, Any]
) -> SlackRequest:
    return _payload(
        {
            "type": "view_submission",
            "user": {"id": user, "team_id": team},
            "team": {"id": team},
            "view": {**view, "state": {"values": values}},
        }
    )


def event_callback(event: dict[str, Any], *, team: str, event_id: str) -> SlackRequest:
    body = {
        "type": "event_callback",
        "team_id": team,
        "api_app_id": APP_ID,
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
    return SlackRequest(json.dumps(body), JSON)


def org_wide(request: SlackRequest, enterprise: str) -> SlackRequest:
    """``request`` as Slack sends it from a workspace of the Enterprise Grid org ``enterprise``
    where the app is installed org-wide: a command's ``enterprise_id`` and
    ``is_enterprise_install``, a payload's ``enterprise`` and ``team.enterprise_id``, an event's
    ``authorizations`` (the org's bot, no team of its own)."""
    if request.content_type == JSON:
        body = json.loads(request.body)
        authorization = {"enterprise_id": enterprise, "team_id": None, "user_id": "UBOT"}
        body |= {"enterprise_id": enterprise, "is_enterprise_install": True}
        body["authorizations"] = [{**authorization, "is_bot": True, "is_enterprise_install": True}]
        return SlackRequest(json.dumps(body), JSON)
    form = dict(urllib.parse.parse_qsl(request.body))
    if "payload" not in form:
        form |= {"enterprise_id": enterprise, "is_enterprise_install": "true"}
        return SlackRequest(urllib.parse.urlencode(form), FORM)
    payload = json.loads(form["payload"])
    payload["team"] = {**payload["team"], "enterprise_id": enterprise}
    payload |= {"enterprise": {"id": enterprise, "name": enterprise}, "is_enterprise_install": True}
    return _payload(payload)


def dm_message(user: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A ``message.im`` event: ``user`` typed ``text`` in their DM with the app."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": f"{time.time():.6f}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
