"""Clicks decided by the worker: the web process acks a button and puts the click on a queue; a worker runs it.

A click that needs no form (claim, release, close, escalate) changes nothing Slack must
see before the ack: the worker decides it and answers the clicked message at once through
the click's response_url (`replace_original`, the decided card), which spends nothing of
chat.update's budget; the outbox's chat.update follows for every other place the card is
drawn. A refusal reaches the clicker privately. So the web process spends nothing on a
click after the ack, and a burst of clicks never slows the next one's answer. The database
still decides (a compare-and-set); the queue only carries the click there (a Redis stream
with a consumer group, or in-process).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.slack.blocks import card_blocks, fallback_text
from bot.slack.payloads import BadPayload, actor_of, card_of, complaint_id_of, tell
from bot.wiring import Services
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.card_view import card_for
from handlers.domain.complaint import Action, Complaint
from handlers.ports.coordination import StreamQueue

log = logging.getLogger(__name__)

DECIDED_BY_WORKER = frozenset({Action.CLAIM, Action.RELEASE, Action.CLOSE, Action.ESCALATE})
_KEPT = ("user", "container", "channel", "message", "response_url")  # what of Slack's payload deciding needs
ANSWER_TIMEOUT_SECONDS = 3


def enqueue(queue: StreamQueue, action: Action, value: object, body: Mapping[str, Any]) -> None:
    """Put the click on the queue, with what of its payload deciding needs."""
    click = {"action": action.value, "value": str(value or ""), "body": {k: body.get(k) for k in _KEPT}}
    queue.add({"click": json.dumps(click, separators=(",", ":"))})


class ClickDecider:
    """Runs queued clicks: one use case each; a refusal is told to the clicker alone, next to the card."""

    def __init__(self, services: Services) -> None:
        self._services = services
        # one client for every answer, its connections kept open: an answer does not wait for a new TLS handshake
        self._http = httpx.Client(timeout=ANSWER_TIMEOUT_SECONDS, limits=httpx.Limits(max_keepalive_connections=16))

    def decide(self, payload: Mapping[str, Any]) -> None:
        """Run one queued click (an unreadable one is logged and dropped: it can never be run)."""
        try:
            click = json.loads(str(payload["click"]))
            action, body = Action(click["action"]), dict(click["body"])
        except (KeyError, ValueError, TypeError):
            log.error("a queued click could not be read: %.200r", payload)
            return
        if action not in DECIDED_BY_WORKER:
            log.error("a queued click names %s, which is not decided by workers", action.value)
            return
        user_id = (body.get("user") or {}).get("id")
        ref = card_of(body)
        try:
            request = ActionRequest(actor_of(body, self._services), complaint_id_of(click["value"]), action)
        except BadPayload as exc:
            tell(self._services, ref, user_id, f"Sorry, that didn't work: {exc}.")
            return
        outcome = self._services.agent_desk.act(request)
        if outcome.complaint is not None and ref is not None:
            self._answer(str(body.get("response_url") or ""), outcome.complaint)
        said = outcome.refusal or outcome.notice
        if said:
            tell(self._services, ref, user_id, said)

    def _answer(self, response_url: str, complaint: Complaint) -> None:
        """Replace the clicked card with the decided one through the click's response_url (a failure is logged: the
        outbox's chat.update still brings it)."""
        if not response_url.startswith(("https://", "http://")):
            return
        source = self._services.agent_desk.sources.of(complaint.source)
        card = card_for(complaint, self._services.clock.now(), source=source)
        answer = {"text": fallback_text(card), "blocks": card_blocks(card), "replace_original": True}
        try:
            sent = self._http.post(response_url, json=answer)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            log.warning("a click's response_url could not be reached: %s", exc.__class__.__name__)
            return
        if sent.status_code != 200:
            log.warning("a click's response_url answered %s: %.100s", sent.status_code, sent.text)
