"""Clicks decided by the worker: the web process acks a button and puts the click on a queue; a worker runs it.

A click that needs no form (claim, release, close, escalate) changes nothing Slack must
see before the ack: its card is redrawn by the worker, and a refusal reaches the clicker
privately. So the web process spends nothing on it after the ack, and a burst of clicks
never slows the next one's answer. The database still decides (a compare-and-set); the
queue only carries the click there (a Redis stream with a consumer group, or in-process).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from bot.slack.payloads import BadPayload, actor_of, card_of, complaint_id_of, tell
from bot.wiring import Services
from handlers.cases.agent_desk import ActionRequest
from handlers.domain.complaint import Action
from handlers.ports.coordination import StreamQueue

log = logging.getLogger(__name__)

DECIDED_BY_WORKER = frozenset({Action.CLAIM, Action.RELEASE, Action.CLOSE, Action.ESCALATE})
_KEPT = ("user", "container", "channel", "message")  # what of Slack's payload deciding needs


def enqueue(queue: StreamQueue, action: Action, value: object, body: Mapping[str, Any]) -> None:
    """Put the click on the queue, with what of its payload deciding needs."""
    click = {"action": action.value, "value": str(value or ""), "body": {k: body.get(k) for k in _KEPT}}
    queue.add({"click": json.dumps(click, separators=(",", ":"))})


class ClickDecider:
    """Runs queued clicks: one use case each; a refusal is told to the clicker alone, next to the card."""

    def __init__(self, services: Services) -> None:
        self._services = services

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
        said = outcome.refusal or outcome.notice
        if said:
            tell(self._services, ref, user_id, said)
