"""Slack interaction requests as Slack sends them: form-encoded payloads, signed with v0 HMAC-SHA256."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

APP_ID = "A0SQUEAKY"  # the Slack app the local workspace's payloads name (SLACK_APP_ID)


def block_action(
    user_id: str,
    username: str,
    action_id: str,
    value: str,
    channel: str,
    message_ts: str,
    team_id: str = "T0SQUEAKY",
    *,
    selected: str | None = None,
    response_url: str = "https://hooks.slack.invalid/actions/T0SQUEAKY/1/x",
) -> dict[str, Any]:
    """A block_actions payload for a click on a message (a button, or an overflow menu's `selected` option); the
    local Slack's `action_response_url` makes a `response_url` it answers."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": username, "name": username, "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{int(time.time())}.{user_id}.trigger",
        "team": {"id": team_id, "domain": "squeaky"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "care"},
        "message": {"type": "message", "ts": message_ts, "text": "complaint"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"complaint:{value.rsplit(':', 1)[-1]}",
                "type": "overflow" if selected else "button",
                "action_ts": f"{time.time():.6f}",
                **({"selected_option": {"value": selected}} if selected else {"value": value}),
            }
        ],
    }


def post_signed(url: str, secret: str, payload: dict[str, Any], *, timestamp: int | None = None) -> requests.Response:
    """POST an interaction payload form-encoded with a valid Slack signature (or one made at `timestamp`)."""
    return _post(
        url, secret, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", timestamp
    )


def post_command(url: str, secret: str, fields: dict[str, str], *, timestamp: int | None = None) -> requests.Response:
    """POST a slash command's fields form-encoded and signed, as Slack does."""
    return _post(url, secret, urlencode(fields), "application/x-www-form-urlencoded", timestamp)


def post_event(
    url: str, secret: str, event: dict[str, Any], *, timestamp: int | None = None, team_id: str = "T0SQUEAKY"
) -> requests.Response:
    """POST an Events API event_callback as JSON, signed (from the workspace `team_id`)."""
    body = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "event": event,
    }
    return _post(url, secret, json.dumps(body), "application/json", timestamp)


def _post(url: str, secret: str, body: str, content_type: str, timestamp: int | None) -> requests.Response:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}
    return requests.post(url, data=body.encode(), headers=headers, timeout=10)


def slash_command(
    user_id: str, username: str, text: str, channel: str, response_url: str, command: str = "/squeaky"
) -> dict[str, str]:
    """A slash command's fields as Slack sends them (mentions escaped as <@U…|name>)."""
    return {
        "token": "legacy-verification-token",
        "team_id": "T0SQUEAKY",
        "team_domain": "squeaky",
        "channel_id": channel,
        "channel_name": "care",
        "user_id": user_id,
        "user_name": username,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{user_id}.command",
    }


def input_state(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """A submitted view's state.values: each input block of `view` answered from `answers` (by block id)."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or block.get("block_id") not in answers:
            continue
        element = block["element"]
        answer = answers[block["block_id"]]
        if element["type"] in ("static_select",):
            state = {"type": element["type"], "selected_option": {"value": answer}}
        elif element["type"] == "users_select":
            state = {"type": "users_select", "selected_user": answer}
        else:
            state = {"type": element["type"], "value": answer}
        values[block["block_id"]] = {element["action_id"]: state}
    return {"values": values}


def view_submission(user_id: str, username: str, view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """A view_submission payload for a modal Squeaky opened, with the user's answers."""
    submitted = {**view, "state": input_state(view, answers)}
    return {
        "type": "view_submission",
        "team": {"id": "T0SQUEAKY", "domain": "squeaky"},
        "user": {"id": user_id, "username": username, "name": username, "team_id": "T0SQUEAKY"},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.{user_id}.submit",
        "view": submitted,
        "response_urls": [],
    }


def view_action(
    user_id: str,
    username: str,
    view: dict[str, Any],
    action_id: str,
    block_id: str,
    answers: dict[str, str],
    value: str,
) -> dict[str, Any]:
    """A block_actions payload from inside a modal (typing in a dispatching input, choosing in a select, a button)."""
    block = next(b for b in view.get("blocks", []) if b.get("block_id") == block_id)
    element = block.get("element") or next(e for e in block.get("elements", []) if e.get("action_id") == action_id)
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": element["type"]}
    if element["type"] == "static_select":
        action["selected_option"] = {"value": value}
    else:
        action["value"] = value
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": username, "name": username, "team_id": "T0SQUEAKY"},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view.get("id")},
        "trigger_id": f"{int(time.time())}.{user_id}.view",
        "team": {"id": "T0SQUEAKY", "domain": "squeaky"},
        "view": {**view, "state": input_state(view, answers)},
        "actions": [action],
    }
