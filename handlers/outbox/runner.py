"""Carry out the outbox: post and update cards after the transactions that decided them have committed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from handlers.cases.card_view import card_for, moved
from handlers.cases.sources import Sources
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import Complaint
from handlers.domain.outbox_kinds import (
    URGENT_RANK,
    WAITS_FOR_CARD,
    Announcement,
    CardFollowUp,
    CardMove,
    CardPost,
    CardUpdate,
    ChatMessage,
    DirectMessage,
    IncidentReplies,
    Outgoing,
    Page,
    SocialReply,
    StatusPost,
    ThreadLine,
    TicketCreate,
    UnreadableMessage,
)
from handlers.outbox.alerts import AlertDeliveries, ChatPager
from handlers.outbox.cut_batches import CutBatches
from handlers.outbox.deliveries import Deliveries
from handlers.outbox.lease_keeper import LeaseKeeper
from handlers.ports.clock import Clock
from handlers.ports.gateways import PACING, Deferred, DeliveryFailed, Pager, SocialGateway, TicketGateway
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from handlers.ports.surfaces import Face, Faces
from handlers.ports.unit_of_work import UnitOfWorkFactory
from handlers.queues.incident import IncidentDesk, incident_from

Handler = Callable[[OutboxMessage, Any], None]  # carries out one message, given its body (of the kind it handles)

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
BATCH_SECONDS = 1.0  # a batch running longer gives back what it has not started: a channel it holds is never held
# long (another worker may post there meanwhile), and a VIP card decided since is leased at once, by rank
_BACKOFF_CAP_SECONDS = 300.0
# How long a lane waits, at most, before it looks again whether the outside is back: work resumes within seconds of
# its return. A face whose every try is scarce (X's 100 posts in 15 minutes) asks for longer (`retry_after`).
OUTAGE_LOOKS_AGAIN = 5.0
WAIT_FOR_CARD_SECONDS = 600.0  # a thread line waits this long for its card (the card's post wakes it sooner)


def backoff_seconds(failures: int) -> float:
    """Exponential backoff after the n-th counted failure: 1 s, 2 s, 4 s, ... capped at 5 minutes."""
    return min(_BACKOFF_CAP_SECONDS, 2.0 ** max(0, failures - 1))


def outage_backoff_seconds(streak: int) -> float:
    """How long a lane pauses after its n-th outage in a row: 1 s, 2 s, 4 s, then every OUTAGE_LOOKS_AGAIN."""
    return min(OUTAGE_LOOKS_AGAIN, 2.0 ** max(0, streak - 1))


class OutboxRunner:
    """Leases due messages and executes them through the gateways, with retries and backoff.

    Messages travel in lanes (each body's `lane`): a rate limit or an outage pauses its lane only, and while a
    lane is paused its messages stay in the outbox untouched, keeping their chances. When the lane opens, the
    highest rank goes first, so a new VIP complaint's card never waits behind standard ones already queued.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        faces: Faces,
        *,
        social: Mapping[str, SocialGateway] | None = None,
        tickets: TicketGateway | None = None,
        pager: Pager | None = None,
        sources: Sources | None = None,
        incidents: IncidentDesk | None = None,
        more: Mapping[type[Outgoing], Handler] | None = None,  # other kinds' deliveries (the private hand-off's)
        outages: tuple[type[BaseException], ...] = (),
        lease_seconds: float = LEASE_SECONDS,
        owner: str = "",
    ) -> None:
        self._uow = uow_factory
        self._lease_seconds = lease_seconds
        self._owner = owner  # the worker leasing: its leases are free once it falls silent (a kill -9)
        self._clock = clock
        self._faces = faces
        self._sources = sources  # None: every source lets us reply (no source with rules of its own)
        self._outages = outages  # errors meaning our own storage is down: the caller waits them out
        self._paused: dict[str, datetime] = {}  # lane -> when it opens again
        self._outage_streak: dict[str, int] = {}
        self._cut = CutBatches(uow_factory, clock, outages)  # leases of batches an outage cut, given back at once
        deliveries = Deliveries(uow_factory, clock, faces, social, tickets)
        alerts = AlertDeliveries(uow_factory, faces, pager or ChatPager(uow_factory, faces))
        self._handlers: dict[type[Outgoing], Handler] = {
            CardPost: self._post_card,
            CardUpdate: self._update_card,
            CardFollowUp: self._post_followup,
            CardMove: self._move_card,
            ThreadLine: self._done_after(deliveries.activity),
            SocialReply: self._done_after(deliveries.reply),
            TicketCreate: self._done_after(deliveries.ticket),
            DirectMessage: self._done_after(deliveries.direct_message),
            Announcement: self._done_after(alerts.announce),
            Page: self._done_after(alerts.page),
            StatusPost: self._done_after(deliveries.status_post),
        }
        self._handlers.update({kind: self._done_after(deliver) for kind, deliver in (more or {}).items()})
        if incidents is not None:

            def reply_to_incident(message: OutboxMessage, body: IncidentReplies) -> None:
                incidents.reply_all(*incident_from(body))

            self._handlers[IncidentReplies] = self._done_after(reply_to_incident)

    def _done_after(self, deliver: Handler) -> Handler:
        def run(message: OutboxMessage, body: Any) -> None:
            deliver(message, body)
            self._done(message)

        return run

    def seconds_to_next_opening(self) -> float | None:
        """How long until the first paused lane opens again (None if none is paused): the worker's next wake-up."""
        now = self._clock.now()
        waits = [(until - now).total_seconds() for until in self._paused.values() if until > now]
        return min(waits) if waits else None

    def paused_lanes(self) -> dict[str, datetime]:
        """The lanes paused by a rate limit or an outage, and when each opens again."""
        now = self._clock.now()
        return {lane: until for lane, until in self._paused.items() if until > now}

    def run_due(self, limit: int = 50) -> int:
        """Execute up to `limit` due messages, highest rank first; return how many were handled.

        The batch's lease is renewed while it runs (LeaseKeeper), and only its holder finishes a
        message: a message another worker took over is left to it, never carried out twice."""
        self._cut.settle_owed()
        with self._uow() as uow:
            now, paused = self._clock.now(), set(self.paused_lanes())
            messages = uow.outbox.lease_due(now, self._lease_seconds, limit, paused, owner=self._owner)
            uow.commit()
        if not messages:
            return 0
        keeper = LeaseKeeper(
            self._uow,
            self._clock,
            messages[0].lease,
            [m.id for m in messages],
            self._lease_seconds,
            outages=self._outages,
        )
        carrying: list[OutboxMessage] = []
        try:
            with keeper:
                self._run_batch(messages, keeper, carrying)
        except BaseException:  # an outage cut the batch: its leases go back now, not when they expire
            self._cut.give_back(messages[0].lease, keeper.open(), carrying[-1].id if carrying else None)
            raise
        return len(messages)

    def _run_batch(self, messages: list[OutboxMessage], keeper: LeaseKeeper, carrying: list[OutboxMessage]) -> None:
        fresh: set[tuple[int | None, str]] = set()  # cards (complaint, surface) this batch already rendered
        given_back: set[int] = set()
        bodies = {m.id: _body(m) for m in messages}
        lanes = {i: body.lane if isinstance(body, Outgoing) else "" for i, body in bodies.items()}
        deadline = time.monotonic() + BATCH_SECONDS
        for n, message in enumerate(messages):
            if message.id in given_back or keeper.lost(message.id):
                continue
            if time.monotonic() > deadline:  # long enough: the rest goes back, to be leased again by rank
                rest = [m for m in messages[n:] if m.id not in given_back and not keeper.lost(m.id)]
                self._release_many(rest, self._clock.now())
                return
            lane, body = lanes[message.id], bodies[message.id]
            if lane in self.paused_lanes():  # paused by an earlier message of this batch: give back its lane's rest
                waiting = [m for m in messages[n:] if m.id not in given_back and lanes[m.id] == lane]
                self._release_many(waiting, self._clock.now())
                given_back.update(m.id for m in waiting)
                for m in waiting:
                    keeper.finished(m.id)
                continue
            card = (message.complaint_id, body.surface if isinstance(body, ChatMessage) else "")
            carrying.append(message)
            if isinstance(body, CardUpdate) and card in fresh:
                self._done(message)
            else:
                self._execute(message, body, lane)
                if isinstance(body, CardPost | CardUpdate) and message.complaint_id is not None:
                    fresh.add(card)
            keeper.finished(message.id)

    def _execute(self, message: OutboxMessage, body: Outgoing | UnreadableMessage, lane: str) -> None:
        handler = self._handlers.get(type(body)) if isinstance(body, Outgoing) else None
        if handler is None:  # an unknown kind, an incomplete payload, or incidents this runner does not answer
            why = str(body) if isinstance(body, UnreadableMessage) else f"no way to carry out {message.kind} here"
            self._give_up(message, why)
            return
        try:
            handler(message, body)
            self._outage_streak.pop(lane, None)
        except Deferred as waiting:
            self._release(message, self._clock.now() + timedelta(seconds=WAIT_FOR_CARD_SECONDS), str(waiting))
        except DeliveryFailed as exc:
            if exc.throttled:  # nothing was sent: the try is taken back, and the lane waits as asked
                self._pause(lane, exc.retry_after or 1.0, exc.reason)
                self._release(message, self._clock.now(), exc.reason)
            elif exc.outage:
                streak = self._outage_streak[lane] = self._outage_streak.get(lane, 0) + 1
                delay = max(exc.retry_after or 0.0, outage_backoff_seconds(streak))
                self._pause(lane, delay, exc.reason)
                self._retry(message, 0.0, exc.reason, failed=False)  # due when the lane opens; it looks first
            elif exc.permanent or message.last_chance:
                self._give_up(message, exc.reason)
            else:
                delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(message.failures + 1)
                self._retry(message, delay, exc.reason)
        except self._outages:
            raise  # not this message's fault, and nothing can be recorded about it now
        except Exception as exc:  # a bug or an unexpected answer: keep the message, back off, say why
            log.exception("outbox message %s (%s) failed", message.id, message.kind)
            if message.last_chance:
                self._give_up(message, repr(exc))
            else:
                self._retry(message, backoff_seconds(message.failures + 1), repr(exc))

    def _pause(self, lane: str, seconds: float, why: str) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if until > self._paused.get(lane, until - timedelta(seconds=1)):
            self._paused[lane] = until
            level = logging.DEBUG if why.startswith(PACING) else logging.INFO  # our own pace is routine
            log.log(level, "outbox lane %s paused for %.3fs: %s", lane, seconds, why)

    def _card(self, complaint: Complaint) -> CardView:
        source = self._sources.of(complaint.source) if self._sources is not None else None
        return card_for(complaint, self._clock.now(), source=source)

    def _face(self, body: ChatMessage) -> tuple[str, Face]:
        face = self._faces.get(body.surface)
        if face is None:
            raise DeliveryFailed(f"the chat surface {body.surface!r} is not configured", permanent=True)
        return body.surface, face

    def _post_card(self, message: OutboxMessage, body: CardPost) -> None:
        complaint_id = _complaint_id(message)
        surface, face = self._face(body)
        with self._uow() as uow:
            complaint = uow.complaints.get(complaint_id)
        if complaint is None or complaint.card_on(surface) is not None:
            self._done(message)
            return
        channel = body.channel
        found = None
        if message.attempts > 1:  # an earlier attempt may have posted it and died before saving the answer
            found = face.cards.find_card(
                channel, complaint_id, complaint.received_at - timedelta(minutes=1), message.leased_at
            )
        ref = found or face.cards.post_card(channel, self._card(complaint))
        if found is not None:
            complaint = replace(complaint, version=-1)  # what the lost post showed is unknown: refresh it
        with self._uow() as uow:
            uow.complaints.add_card(complaint_id, ref)
            current = uow.complaints.get(complaint_id)
            if current is not None and replace(current, cards=complaint.cards) != complaint:
                # it changed while the card was on its way: show the newer state too
                key = CardUpdate.refresh_key(complaint_id, current.version, current.followup_count)
                update = CardUpdate(surface=surface, channel=ref.channel)
                uow.outbox.enqueue_many([NewOutboxMessage(update, f"{key}@{surface}", complaint_id, URGENT_RANK)])
            uow.outbox.wake(complaint_id, WAITS_FOR_CARD, self._clock.now())  # its thread lines can go now
            self._finished(uow.outbox.mark_done(message.id, self._clock.now(), message.lease), message)
            uow.commit()

    def _move_card(self, message: OutboxMessage, body: CardMove) -> None:
        """Post the card in its new queue's channel, turn the old one into a pointer there, and remember the new one
        (a retry finds a post an earlier attempt made). With no card out yet, the card is simply posted there."""
        complaint_id = _complaint_id(message)
        surface, face = self._face(body)
        with self._uow() as uow:
            complaint = uow.complaints.get(complaint_id)
        if complaint is None:
            self._done(message)
            return
        channel = body.channel
        old = complaint.card_on(surface)
        if old is not None and channel and old.channel == channel:
            self._done(message)  # already there (an earlier attempt finished, or both queues share the channel)
            return
        found = None
        if message.attempts > 1:
            found = face.cards.find_card(
                channel, complaint_id, complaint.received_at - timedelta(minutes=1), message.leased_at
            )
        new = found or face.cards.post_card(channel, self._card(complaint))
        if old is not None and (old.channel, old.data) != (new.channel, new.data):
            pointer = moved(self._card(complaint), body.title, face.cards.permalink(new))
            face.cards.update_card(old, pointer)
        with self._uow() as uow:
            if old is not None:
                uow.complaints.move_card(complaint_id, old, new)
            else:
                uow.complaints.add_card(complaint_id, new)
            uow.outbox.wake(complaint_id, WAITS_FOR_CARD, self._clock.now())
            self._finished(uow.outbox.mark_done(message.id, self._clock.now(), message.lease), message)
            uow.commit()

    def _update_card(self, message: OutboxMessage, body: CardUpdate) -> None:
        complaint_id = _complaint_id(message)
        surface, face = self._face(body)
        with self._uow() as uow:
            complaint = uow.complaints.get(complaint_id)
        card = complaint.card_on(surface) if complaint is not None else None
        if complaint is not None and card is not None:
            face.cards.update_card(card, self._card(complaint))
        # with no card yet, the pending card.post renders the current state
        self._done(message)

    def _post_followup(self, message: OutboxMessage, body: CardFollowUp) -> None:
        complaint_id = _complaint_id(message)
        surface, face = self._face(body)
        with self._uow() as uow:
            complaint = uow.complaints.get(complaint_id)
            followup = uow.messages.get(body.source, body.external_id)
        if complaint is None or followup is None:
            self._done(message)
            return
        card = complaint.card_on(surface)
        if card is None:
            raise Deferred("waiting for the card to be posted")
        item = followup.incoming
        line = FollowUpLine(item.author_handle, item.text, followup.note or "follow-up", item.url)
        face.cards.post_followup(card, line)
        self._done(message)

    def _done(self, message: OutboxMessage) -> None:
        with self._uow() as uow:
            self._finished(uow.outbox.mark_done(message.id, self._clock.now(), message.lease), message)
            uow.commit()

    def _retry(self, message: OutboxMessage, delay: float, reason: str, *, failed: bool = True) -> None:
        log.warning("outbox message %s (%s) will retry in %.1fs: %s", message.id, message.kind, delay, reason)
        at = self._clock.now() + timedelta(seconds=delay)
        with self._uow() as uow:
            self._finished(uow.outbox.retry_later(message.id, at, reason, message.lease, failed=failed), message)
            uow.commit()

    def _release_many(self, messages: list[OutboxMessage], at: datetime) -> None:
        if not messages:
            return
        with self._uow() as uow:
            uow.outbox.release_many([m.id for m in messages], at, messages[0].lease)
            uow.commit()

    def _release(self, message: OutboxMessage, at: datetime, reason: str | None = None) -> None:
        if reason:
            log.debug("outbox message %s (%s) waits: %s", message.id, message.kind, reason)
        with self._uow() as uow:
            self._finished(uow.outbox.release(message.id, at, message.lease), message)
            uow.commit()

    def _give_up(self, message: OutboxMessage, reason: str) -> None:
        log.error("outbox message %s (%s) failed for good: %s", message.id, message.kind, reason)
        with self._uow() as uow:
            self._finished(uow.outbox.give_up(message.id, self._clock.now(), reason, message.lease), message)
            uow.commit()

    @staticmethod
    def _finished(held: bool, message: OutboxMessage) -> None:
        if not held:
            log.warning(
                "outbox message %s (%s): its lease was lost; the worker holding it now finishes it",
                message.id,
                message.kind,
            )


def _body(message: OutboxMessage) -> Outgoing | UnreadableMessage:
    """What a leased message carries, or why it cannot be read (it is then given up)."""
    try:
        return message.body()
    except UnreadableMessage as exc:
        return exc


def _complaint_id(message: OutboxMessage) -> int:
    if message.complaint_id is None:
        raise ValueError(f"outbox message {message.id} ({message.kind}) names no complaint")
    return message.complaint_id
