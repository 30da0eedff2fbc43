"""Clicks with no form: the web process acks a button and puts the click on a queue; a worker decides it, or the web
process itself right after the ack when SLACK_WEB_CLICK_THREADS gives it threads for that and one is free.

A click that needs no form (claim, release, close, escalate) changes nothing Slack must
see before the ack. Its decider answers the clicked message at once through the click's
response_url (`replace_original`, the decided card), which spends nothing of chat.update's
budget; the outbox's chat.update follows for every other place the card is drawn. A refusal
reaches the clicker privately. The click is queued first (a Redis stream with a consumer
group, or in-process), so a web process that is busy, or dies deciding, leaves it to a
worker (bot.slack.web_clicks). Whoever decides a click holds its lease (a lock named after
the click, expiring on its own), so a click is decided once, by a web process or by a
worker, never by both at once; the other finds it decided (a shared value says so for two
minutes, and its record is gone) and drops it, costing the database nothing. The database
still decides between clicks (a compare-and-set): one owner, never two.

On two cores shared with PostgreSQL, deciding in the web process did not bring the
clicker's view sooner and slowed the acks of the clicks around it (docs/benchmarks.md):
workers decide every click by default.

Redis may lose what is on that queue (a restart without persistence, a failover), so each
click is recorded in the database before it is queued (storage.sql.queued_clicks): the
worker deciding it marks it taken and then forgets it, and one neither decided nor taken
CLICK_ANSWER_SECONDS after its click is answered "that did not go through, click again"
(bot.safekeeping). Whatever happens, the clicker is decided for or told.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from bot.outages import OUTAGES, describe_outage
from bot.slack.blocks import card_blocks, fallback_text
from bot.slack.payloads import BadPayload, actor_of, card_of, complaint_id_of, tell
from bot.wiring import Services
from handlers.cases.agent_desk import ActionRequest
from handlers.cases.card_view import card_for
from handlers.domain.complaint import Action, Complaint
from handlers.ports.coordination import StreamQueue
from storage.sql.queued_clicks import SqlQueuedClicks

log = logging.getLogger(__name__)

DECIDED_BY_WORKER = frozenset({Action.CLAIM, Action.RELEASE, Action.CLOSE, Action.ESCALATE, Action.PRIVATE})
_KEPT = ("user", "container", "channel", "message", "response_url")  # what of Slack's payload deciding needs
ANSWER_TIMEOUT_SECONDS = 3
LEASE_SECONDS = 10.0  # how long a click's decider holds it; one that dies meanwhile leaves it to a worker after this
LEASE_POLL_SECONDS = 0.02  # a worker finding a click being decided looks again this often
DONE_SECONDS = 120.0  # a click is known decided this long (a worker comes to its queued entry well within it)


def enqueue(
    queue: StreamQueue, action: Action, value: object, body: Mapping[str, Any], kept: SqlQueuedClicks | None = None
) -> dict[str, Any]:
    """Record the click in `kept` (while the database answers), then put it on the queue, with what of its payload
    deciding needs; return the click as queued. A click that could not be queued is not left recorded (its clicker
    is told at once)."""
    click: dict[str, Any] = {"action": action.value, "value": str(value or ""), "body": {k: body.get(k) for k in _KEPT}}
    key = uuid.uuid4().hex
    if kept is not None:
        try:
            kept.record(key, json.dumps(click, separators=(",", ":")))
            click["key"] = key
        except OUTAGES as exc:  # the database is away: the queue alone carries it, decided once it is back
            log.warning("a %s click is queued unrecorded: %s", action.value, describe_outage(exc))
    try:
        queue.add({"click": json.dumps(click, separators=(",", ":"))})
    except Exception:
        if "key" in click and kept is not None:
            with contextlib.suppress(*OUTAGES):  # else answered "click again" later too: told twice, not never
                kept.forget(key)
        raise
    return click


def _lease(key: str) -> str:
    return f"click:{key}"


def _done(key: str) -> str:
    return f"click-done:{key}"


class ClickDecider:
    """Runs queued clicks: one use case each; a refusal is told to the clicker alone, next to the card."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._kept = SqlQueuedClicks(services.engine, services.clock)
        # one client for every answer, its connections kept open: an answer does not wait for a new TLS handshake
        self._http = httpx.Client(timeout=ANSWER_TIMEOUT_SECONDS, limits=httpx.Limits(max_keepalive_connections=16))

    def decide(self, payload: Mapping[str, Any]) -> None:
        """Run one queued click, as a worker does: once the click's lease is free (a web process deciding it holds it
        meanwhile, or until it expires); an unreadable click is logged and dropped: it can never be run."""
        try:
            click = json.loads(str(payload["click"]))
            action, body = Action(click["action"]), dict(click["body"])
        except (KeyError, ValueError, TypeError):
            log.error("a queued click could not be read: %.200r", payload)
            return
        if action not in DECIDED_BY_WORKER:
            log.error("a queued click names %s, which is not decided by workers", action.value)
            return
        key = click.get("key")
        if not isinstance(key, str):  # recorded nowhere (the database was away): no one else decides it
            self._decide(click, action, body)
            return
        if self._decided(key):  # a web process decided it: nothing to do, not even in the database
            log.debug("a %s click was decided already: not decided again", action.value)
            return
        lease = self._wait_for_lease(key)
        if lease is None:
            return
        try:
            if not self._kept.take(key):
                log.debug("a %s click was decided already, or answered: not decided again", action.value)
                return
            self._decide(click, action, body)
            self._mark_decided(key)
            self._kept.forget(key)
        finally:
            self._let_go(key, lease)

    def decide_now(self, click: Mapping[str, Any]) -> bool:
        """Decide a click just queued, in the web process, unless a worker holds its lease or decided it already; True
        if decided here. Its record is forgotten after the answer: the clicker waits for nothing more."""
        key = click.get("key")
        if not isinstance(key, str):
            return False  # unrecorded: only the queue carries it, a worker decides it
        lease = self._services.locks.acquire(_lease(key), LEASE_SECONDS)
        if lease is None:
            return False
        try:
            if self._decided(key):  # a worker took it first, and decided it already
                return False
            self._decide(click, Action(click["action"]), dict(click["body"]))
            self._mark_decided(key)
            self._kept.forget(key)
        finally:  # decided, or met an outage: then its queued entry is decided by a worker once the outage ends
            self._let_go(key, lease)
        return True

    def _decided(self, key: str) -> bool:
        return self._services.values.get(_done(key)) is not None

    def _mark_decided(self, key: str) -> None:
        """Say the click is decided, before its lease is let go: whoever comes to it next drops it at once (were
        this lost, its record, forgotten next, still says so)."""
        with contextlib.suppress(*OUTAGES):
            self._services.values.put(_done(key), "1", DONE_SECONDS)

    def _let_go(self, key: str, lease: str) -> None:
        with contextlib.suppress(*OUTAGES):  # Redis away: the lease expires on its own
            self._services.locks.release(_lease(key), lease)

    def _wait_for_lease(self, key: str) -> str | None:
        """The click's lease, once whoever holds it lets it go (or it expires: a web process died deciding it); None
        when it was decided meanwhile."""
        while True:
            lease = self._services.locks.acquire(_lease(key), LEASE_SECONDS)
            if lease is not None:
                return lease
            if self._decided(key):
                return None
            time.sleep(LEASE_POLL_SECONDS)

    def _decide(self, click: Mapping[str, Any], action: Action, body: dict[str, Any]) -> None:
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
