"""A modal's private_metadata, sealed to the person it was opened for: Squeaky signs what it puts there (with the
user it opened the modal for and the modal's callback id), and a Bolt middleware checks the seal on every payload
from a modal before any listener reads it.

A submission for a modal Squeaky never opened, for someone else's modal, or with its metadata
changed is answered with a modal that says so, and nothing runs. Slack itself sends metadata
back untouched; the seal makes that a fact Squeaky checks rather than assumes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.refusals import RefusalLog

log = logging.getLogger(__name__)
MAX_METADATA = 3000  # Slack's limit on private_metadata
NOT_YOURS = "This form was not opened for you here, or it was changed. Close it and open it again from the card."


def form_key(settings: Settings) -> str:
    """The key modals are sealed with: a secret every web process shares (the signing secret, or Socket Mode's
    app-level token)."""
    secret = settings.slack_signing_secret or settings.slack_app_token
    assert secret is not None, "Slack is answered only with one of them (bot.startup_checks)"
    return secret.get_secret_value()


def _signature(key: str, callback_id: str, user_id: str, metadata: str) -> str:
    message = "\n".join(("squeaky-form", callback_id, user_id, metadata)).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def seal(view: dict[str, Any], user_id: str, key: str) -> dict[str, Any]:
    """`view` with its private_metadata sealed to `user_id`."""
    metadata = str(view.get("private_metadata") or "")
    sealed = json.dumps(
        {"m": metadata, "u": user_id, "s": _signature(key, str(view.get("callback_id") or ""), user_id, metadata)}
    )
    assert len(sealed) <= MAX_METADATA, "a modal's metadata is a few ids"
    return {**view, "private_metadata": sealed}


def unseal(view: dict[str, Any], user_id: object, key: str) -> str | None:
    """The metadata Squeaky put in `view`, if it was opened for `user_id` and is unchanged; else None."""
    try:
        sealed = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        return None
    if not isinstance(sealed, dict) or not all(isinstance(sealed.get(k), str) for k in ("m", "u", "s")):
        return None
    if not isinstance(user_id, str) or not user_id or not hmac.compare_digest(sealed["u"], user_id):
        return None
    expected = _signature(key, str(view.get("callback_id") or ""), user_id, sealed["m"])
    return str(sealed["m"]) if hmac.compare_digest(expected, sealed["s"]) else None


def user_of(body: dict[str, Any]) -> str:
    """The id of the person a payload comes from ("" when it names none)."""
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _not_yours() -> dict[str, Any]:
    text = {"type": "plain_text", "text": "Squeaky"}
    notice = {"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {NOT_YOURS}"}}
    return {"type": "modal", "title": text, "close": {"type": "plain_text", "text": "Close"}, "blocks": [notice]}


class FormSealGate:
    """Bolt middleware: payloads from a modal go on only with their seal intact, unsealed for the listeners."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._refusals = RefusalLog(log)

    def middleware(self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Check the seal of a modal's payload (submission, close, or an action inside it)."""
        body = req.body if isinstance(req.body, dict) else {}
        view = body.get("view")
        if not isinstance(view, dict) or view.get("type") != "modal":
            return next()
        user_id = user_of(body)
        metadata = unseal(view, user_id, self._key)
        if metadata is not None:
            view["private_metadata"] = metadata  # the listeners read what Squeaky wrote
            return next()
        self._refusals.refused("a modal payload without its seal (not opened for this user, or changed)", user_id)
        if body.get("type") == "view_submission":
            answer = {"response_action": "update", "view": _not_yours()}
            return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")
