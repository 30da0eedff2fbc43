"""Refuse signed payloads Slack would never send before Bolt routes them: a clear 400, where Bolt would fail (500)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.untrusted_json import parse

# What Bolt reads from every payload before any listener runs (build_context, the matchers), and the types it assumes.
_SHAPES: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "team": dict,
    "enterprise": dict,
    "user": dict,
    "channel": dict,
    "container": dict,
    "message": dict,
    "view": dict,
    "actions": list,
    "authorizations": list,
    "is_enterprise_install": (bool, str),
    "team_id": str,
    "api_app_id": str,
    "trigger_id": str,
    "response_url": str,
    "callback_id": str,
    "event": dict,
}


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def problem(body: Any) -> str | None:
    """What is wrong with an interaction payload's shape, or None when Bolt can route it."""
    if not isinstance(body, dict):
        return "the payload is not an object"
    for key, kinds in _SHAPES.items():
        value = body.get(key)
        if value is not None and not isinstance(value, kinds):
            return f"`{key}` is a {type(value).__name__}"
    for key in ("team", "enterprise", "user", "channel", "container", "message", "view"):
        inner = body.get(key)
        if isinstance(inner, dict) and any(not isinstance(inner.get(k, ""), str | type(None)) for k in ("id", "type")):
            return f"`{key}.id` is not text"
    if any(not isinstance(a, dict) for a in body.get("authorizations") or []):
        return "an authorization is not an object"
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, dict) and _is_text(a.get("action_id")) for a in actions):
            return "an action without an action_id"
        if not isinstance(body.get("user"), dict):
            return "an action without a user"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id", ""), str):
            return f"{kind} without a view"
        if not isinstance(body.get("user"), dict):
            return f"{kind} without a user"
    if kind == "event_callback" and not isinstance(body.get("event"), dict):
        return "an event_callback without an event"
    return None


def check_request(body: bytes, headers: dict[str, str], signing_secret: str) -> str | None:
    """Why a signed Slack request's payload cannot be routed, or None to hand it to Bolt.

    Unsigned or stale requests are left to Bolt, which refuses them with 401 as Slack documents.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or not headers.get("x-slack-signature"):
        return None
    if not SignatureVerifier(signing_secret).is_valid_request(body, headers):
        return None
    content_type = headers.get("content-type", "")
    if "application/json" in content_type:  # the Events API
        try:
            return problem(parse(body))
        except ValueError:
            return "the body is not JSON"
    if "application/x-www-form-urlencoded" not in content_type:
        return None
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)  # as Bolt parses it
    if "payload" not in form:  # a slash command: its fields are text, and Bolt reads some names as objects
        return problem({name: values[-1] for name, values in form.items()})
    try:
        payload = parse(form["payload"][-1])
    except ValueError:
        return "the payload is not JSON"
    return problem(payload)
