"""Slack interaction requests as Slack sends them: form-encoded payloads, signed with v0 HMAC-SHA256."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier


def block_action(
    user_id: str, username: str, action_id: str, value: str, channel: str, message_ts: str, team_id: str = "T0SQUEAKY"
) -> dict[str, Any]:
    """A block_actions payload for a button click on a message, as Slack documents it."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": username, "name": username, "team_id": team_id},
        "api_app_id": "A0SQUEAKY",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{int(time.time())}.{user_id}.trigger",
        "team": {"id": team_id, "domain": "squeaky"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "care"},
        "message": {"type": "message", "ts": message_ts, "text": "complaint"},
        "state": {"values": {}},
        "response_url": "https://hooks.slack.invalid/actions/T0SQUEAKY/1/x",
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"complaint:{value}",
                "text": {"type": "plain_text", "text": "Claim"},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def post_signed(url: str, secret: str, payload: dict[str, Any], *, timestamp: int | None = None) -> requests.Response:
    """POST the payload form-encoded with a valid Slack signature (or one made at `timestamp`)."""
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or "",
    }
    return requests.post(url, data=body.encode(), headers=headers, timeout=10)
