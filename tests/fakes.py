"""Fakes of the core's own ports, for unit tests: in memory, no I/O, with the same compare-and-set semantics."""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.activity import ActivityLine
from handlers.domain.availability import Availability
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import (
    AuditEvent,
    CardRef,
    Change,
    Complaint,
    Delivery,
    IncomingComplaint,
    Message,
    MessageKind,
    NewCase,
    OpenCase,
    PublicReply,
    Role,
    Status,
    Ticket,
)
from handlers.domain.late import LateAlert, LateQueue
from handlers.domain.outbox_kinds import AFTER_VIP_CARDS, CARD_POST, CARD_POST_RESERVED, lane_of, ordering_of
from handlers.domain.people import Identity, Person
from handlers.domain.queue_rules import QueueOverrides
from handlers.domain.rich_text import Line, Link, Mention
from handlers.domain.roster import Roster
from handlers.domain.sla import SlaPolicy
from handlers.domain.spikes import SpikeState
from handlers.domain.storm import Storm
from handlers.ports.complaints import DuplicateKey, FollowupCount, ThreadIndex, WaitScope
from handlers.ports.gateways import DeliveryFailed, PostedReply, TicketRef, TicketRequest
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from handlers.ports.surfaces import Face, Notice
from handlers.ports.surges import Surges
from handlers.ports.team import TeamStats
from handlers.ports.workers import SILENT_AFTER

SURFACE = "chat"  # the fake chat tool's name: not Slack, not Teams


@dataclass
class _OutboxRow:
    message: OutboxMessage
    rank: float = 0.0
    status: str = "pending"
    available_at: datetime | None = None
    leased_until: datetime | None = None
    last_error: str | None = None
    done_at: datetime | None = None


@dataclass
class FakeState:
    """What a fake database holds."""

    complaints: dict[int, Complaint] = field(default_factory=dict)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    arrivals: dict[tuple[str, str], tuple[int, datetime, IncomingComplaint]] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    outbox: dict[int, _OutboxRow] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)
    sla: dict[str, SlaPolicy] = field(default_factory=dict)
    roster: Roster | None = None
    spikes: dict[str, SpikeState] = field(default_factory=dict)
    announcements: dict[str, CardRef] = field(default_factory=dict)
    installations: dict[str, dict[str, str]] = field(default_factory=dict)
    late_alerts: dict[str, LateAlert] = field(default_factory=dict)
    queue_rosters: dict[str, Roster] = field(default_factory=dict)
    queue_overrides: dict[str, QueueOverrides] = field(default_factory=dict)
    storms: dict[str, Storm] = field(default_factory=dict)
    available: dict[str, Availability] = field(default_factory=dict)
    last_assigned: dict[str, str] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)  # by key
    ranks: dict[int, float] = field(default_factory=dict)  # complaints' queue ranks
    workers: dict[str, datetime] = field(default_factory=dict)  # heartbeats
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class _Complaints:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def add_many(self, cases: list[NewCase]) -> list[int]:
        ids = []
        for case in cases:
            item = case.incoming
            if any(c.source == item.source and c.external_id == item.external_id for c in self.s.complaints.values()):
                raise DuplicateKey("unique key (source, external_id) violated")
            complaint = Complaint(
                id=next(self.s.ids),
                source=item.source,
                external_id=item.external_id,
                author_id=item.author_id,
                author_handle=item.author_handle,
                author_name=item.author_name,
                text=item.text,
                created_at=item.created_at,
                received_at=case.received_at,
                posted_at=case.posted_at,
                fingerprint=case.fingerprint,
                status=Status.NEW,
                version=1,
                tier=case.tier,
                url=item.url,
                conversation_id=item.conversation_id,
                in_reply_to_id=item.in_reply_to_id,
                mentions_us=item.mentions_us,
                post_cid=item.post_cid,
                visibility=item.visibility,
                topic=case.topic,
                skill_group=case.skill_group,
                priority=case.priority,
                priority_reasons=case.priority_reasons,
                noise_rule=case.noise_rule,
                queue=case.queue,
            )
            self.s.complaints[complaint.id] = complaint
            self.s.ranks[complaint.id] = case.queue_rank
            ids.append(complaint.id)
        return ids

    def lock_threads(self, keys: Collection[str]) -> None:
        pass  # one thread at a time here

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        open_cases = {c.id: c for c in self.s.complaints.values() if c.source == source and c.status in OPEN_STATUSES}
        index = ThreadIndex({}, {}, {})
        for (msg_source, external_id), message in self.s.messages.items():
            case_id = message.complaint_id
            for _ in range(8):  # a merged case's tweets belong to the case it was merged into
                case = self.s.complaints.get(case_id) if case_id is not None else None
                if case is None or case.status is not Status.MERGED or case.merged_into is None:
                    break
                case_id = case.merged_into
            if msg_source == source and external_id in tweet_ids and case_id in open_cases:
                index.by_tweet[external_id] = case_id
        for case in sorted(open_cases.values(), key=lambda c: c.created_at):
            if case.conversation_id in conversation_ids:
                index.by_conversation.setdefault(case.conversation_id, case.id)
            if case.author_handle.lower() in authors:
                index.by_author[case.author_handle.lower()] = OpenCase(case.id, case.created_at)
        return index

    def record_reply(self, complaint_id: int, reply: PublicReply) -> None:
        self.s.complaints[complaint_id] = replace(self.s.complaints[complaint_id], reply=reply)

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        self.s.complaints[complaint_id] = replace(self.s.complaints[complaint_id], ticket=ticket)

    def claimed_before(self, cutoff: datetime) -> list[int]:
        return [
            c.id
            for c in self.s.complaints.values()
            if c.status is Status.CLAIMED and c.claimed_at is not None and c.claimed_at < cutoff
        ]

    def unclaimed_past(self, cutoff: datetime, below_stage: int, limit: int, where: WaitScope) -> list[Complaint]:
        def wanted(c: Complaint) -> bool:
            tier_ok = (where.tiers is None or c.tier in where.tiers) and c.tier not in where.not_tiers
            queue_ok = (where.queue is None or c.queue == where.queue) and c.queue not in where.not_queues
            return tier_ok and queue_ok and c.waiting_since <= cutoff

        waiting = [c for c in self.s.complaints.values() if c.status is Status.NEW and c.sla_stage < below_stage]
        return sorted(filter(wanted, waiting), key=lambda c: c.waiting_since)[:limit]

    def open_of(self, handle: str) -> list[Complaint]:
        found = [
            c
            for c in self.s.complaints.values()
            if c.author_handle.lower() == handle.lower()
            and c.status in (Status.NEW, Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED)
        ]
        return sorted(found, key=lambda c: (c.received_at, c.id))

    def unacknowledged(
        self, *, queue: str | None = None, topic: str | None = None, since: datetime | None = None, limit: int,
        cluster: str | None = None,
    ) -> list[Complaint]:  # fmt: skip
        found = [
            c
            for c in self.s.complaints.values()
            if c.status in (Status.NEW, Status.CLAIMED, Status.TICKETED)
            and (c.reply is None or c.reply.status is Delivery.FAILED)
            and (queue is None or c.queue == queue)
            and (topic is None or c.topic == topic)
            and (since is None or c.received_at >= since)
            and (cluster is None or bool(set(cluster.split()) & set((c.fingerprint or "").split())))
        ]
        return sorted(found, key=lambda c: (c.received_at, c.id))[:limit]

    def open_claims(self) -> dict[str, int]:
        held: dict[str, int] = {}
        for c in self.s.complaints.values():
            if c.status in (Status.CLAIMED, Status.ACKNOWLEDGED) and c.owner is not None:
                held[c.owner.id] = held.get(c.owner.id, 0) + 1
        return held

    def late_by_queue(self, paged_stage: int, called_stage: int) -> dict[str, LateQueue]:
        late: dict[str, list[Complaint]] = {}
        for c in self.s.complaints.values():
            if c.status is Status.NEW and c.sla_stage >= paged_stage:
                late.setdefault(c.queue, []).append(c)
        return {
            queue: LateQueue(
                len(cs),
                sum(c.sla_stage >= called_stage for c in cs),
                min(c.waiting_since for c in cs),
                max(self.s.ranks.get(c.id, 0.0) for c in cs),
            )
            for queue, cs in late.items()
        }

    def advance_sla_stage(
        self, complaint_id: int, from_stage: int, to_stage: int, *, paged_alone: bool = False
    ) -> bool:
        complaint = self.s.complaints.get(complaint_id)
        if complaint is None or complaint.sla_stage != from_stage or complaint.status is not Status.NEW:
            return False
        self.s.complaints[complaint_id] = replace(
            complaint, sla_stage=to_stage, paged_alone=complaint.paged_alone or paged_alone
        )
        return True

    def count_followups(self, counts: dict[int, int]) -> dict[int, FollowupCount]:
        totals = {}
        for case_id, added in counts.items():
            case = self.s.complaints[case_id]
            self.s.complaints[case_id] = replace(case, followup_count=case.followup_count + added)
            rank = self.s.ranks.get(case_id, 0.0)
            totals[case_id] = FollowupCount(case.followup_count + added, rank, bool(case.cards))
        return totals

    def get(self, complaint_id: int) -> Complaint | None:
        return self.s.complaints.get(complaint_id)

    def compare_and_set(self, complaint: Complaint, change: Change) -> bool:
        current = self.s.complaints.get(complaint.id)
        if current is None or current.version != complaint.version or current.status != complaint.status:
            return False
        self.s.complaints[complaint.id] = current.changed(change)
        return True

    def add_card(self, complaint_id: int, card: CardRef) -> None:
        complaint = self.s.complaints[complaint_id]
        others = tuple(c for c in complaint.cards if (c.surface, c.channel) != (card.surface, card.channel))
        self.s.complaints[complaint_id] = replace(complaint, cards=(*others, card))

    def move_card(self, complaint_id: int, old: CardRef, new: CardRef) -> None:
        complaint = self.s.complaints[complaint_id]
        cards = (*(c for c in complaint.cards if (c.surface, c.channel) != (old.surface, old.channel)), new)
        self.s.complaints[complaint_id] = replace(complaint, cards=cards)

    def cards_of(self, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
        found = {i: list(self.s.complaints[i].cards) for i in complaint_ids if i in self.s.complaints}
        return {i: cards for i, cards in found.items() if cards}


class _Messages:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def known(self, source: str, external_ids: set[str]) -> set[str]:
        return {e for e in external_ids if (source, e) in self.s.messages}

    def add_many(self, messages: list[Message]) -> None:
        for message in messages:
            key = (message.incoming.source, message.incoming.external_id)
            if key in self.s.messages:
                raise DuplicateKey("unique key (source, external_id) violated")
            self.s.messages[key] = message

    def get(self, source: str, external_id: str) -> Message | None:
        return self.s.messages.get((source, external_id))

    def filtered(self, limit: int) -> list[Message]:
        found = [m for m in self.s.messages.values() if m.kind is MessageKind.FILTERED]
        return list(reversed(found))[:limit]

    def for_complaint(self, complaint_id: int) -> list[Message]:
        found = [m for m in self.s.messages.values() if m.complaint_id == complaint_id]
        return sorted(found, key=lambda m: m.incoming.created_at)

    def filtered_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in self.s.messages.values():
            if m.kind is MessageKind.FILTERED and m.note:
                counts[m.note] = counts.get(m.note, 0) + 1
        return counts


class _Customers:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def tier_of(self, handle: str) -> str:
        return self.s.tiers.get(handle.lower(), "standard")

    def tiers_of(self, handles: set[str]) -> dict[str, str]:
        return {h.lower(): self.s.tiers[h.lower()] for h in handles if h.lower() in self.s.tiers}

    def set_tier(self, handle: str, tier: str) -> None:
        self.s.tiers[handle.lstrip("@").lower()] = tier

    def registered(self) -> list[tuple[str, str]]:
        return sorted(self.s.tiers.items())


class _Audit:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def record(self, event: AuditEvent) -> None:
        self.s.audit.append(event)

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        return [e for e in self.s.audit if e.complaint_id == complaint_id]

    def blank_details(self, before: datetime, after_id: int, limit: int) -> list[int]:
        emptied = []
        for n, event in enumerate(self.s.audit, start=1):
            if n <= after_id:
                continue
            if event.at >= before or len(emptied) >= limit:
                break
            self.s.audit[n - 1] = replace(event, detail={})
            emptied.append(n)
        return emptied


class _People:
    """People by key. A key nobody resolved yet is a person too, whose id on every surface is the key itself: unit
    tests name people as they like ("U0ONCALL")."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def resolve(self, identity: Identity) -> Person:
        for person in self.s.people.values():
            if person.handles.get(identity.surface) == identity.external_id:
                return person
        key = identity.external_id
        person = Person(key, identity.name or key, {identity.surface: identity.external_id})  # type: ignore[arg-type]
        self.s.people[key] = person
        return person

    def get_many(self, keys: Collection[str]) -> dict[str, Person]:
        found = {}
        for key in keys:
            everywhere = _Everywhere(key)
            found[key] = self.s.people.get(key) or Person(key, key, everywhere)  # type: ignore[arg-type]
        return found


class _Everywhere(dict[str, str]):
    """A person's handle on any surface: their key."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self._key = key

    def get(self, surface: str, default: object = None) -> str:  # type: ignore[override]
        return self._key

    def __contains__(self, surface: object) -> bool:
        return True

    def __getitem__(self, surface: str) -> str:
        return self._key


class _Outbox:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def enqueue(
        self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any], rank: float = 0.0
    ) -> None:
        if any(row.message.key == key for row in self.s.outbox.values()):
            return
        message_id = max(self.s.outbox, default=0) + 1
        message = OutboxMessage(message_id, kind, key, complaint_id, dict(payload), 0, 0)
        self.s.outbox[message_id] = _OutboxRow(message, rank)

    def enqueue_many(self, messages: list[NewOutboxMessage]) -> None:
        for m in messages:
            self.enqueue(m.kind, m.key, m.complaint_id, m.payload, m.rank)
            if m.held:
                next(r for r in self.s.outbox.values() if r.message.key == m.key).status = "held"

    def hold_cards(self, queue: str) -> int:
        held = 0
        for row in self.s.outbox.values():
            complaint = self.s.complaints.get(row.message.complaint_id or 0)
            waiting = complaint is not None and complaint.queue == queue and complaint.status is Status.NEW
            if row.message.kind == CARD_POST and row.status == "pending" and row.leased_until is None and waiting:
                row.status, held = "held", held + 1
        return held

    def release_held(self, now: datetime, *, complaint_id: int | None = None, queue: str | None = None) -> int:
        released = 0
        for row in self.s.outbox.values():
            complaint = self.s.complaints.get(row.message.complaint_id or 0)
            ours = complaint_id is None or row.message.complaint_id == complaint_id
            on_queue = queue is None or (complaint is not None and complaint.queue == queue)
            if row.status == "held" and ours and on_queue:
                row.status, row.available_at, released = "pending", now, released + 1
        return released

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = (), *, owner: str = ""
    ) -> list[OutboxMessage]:
        leased = []
        token = uuid.uuid4().hex
        vip_cards = [
            r.message.id
            for r in self.s.outbox.values()
            if r.status == "pending" and r.message.kind == CARD_POST_RESERVED
        ]
        busy = {
            ordering_of(r.message.kind, r.message.payload)
            for r in self.s.outbox.values()
            if r.leased_until is not None and r.leased_until >= now
        } - {None}
        for row in sorted(self.s.outbox.values(), key=lambda r: (-r.rank, r.message.id)):
            gated = row.message.kind in AFTER_VIP_CARDS and any(v < row.message.id for v in vip_cards)
            due = not gated and row.status == "pending" and (row.available_at is None or row.available_at <= now)
            free = row.leased_until is None or row.leased_until < now
            lane = lane_of(row.message.kind, row.message.payload)
            taken = ordering_of(row.message.kind, row.message.payload) in busy
            if due and free and not taken and lane not in skip_lanes and len(leased) < limit:
                row.message = replace(row.message, attempts=row.message.attempts + 1, lease=token)
                row.leased_until = now + timedelta(seconds=lease_seconds)
                leased.append(row.message)
        return leased

    def _held(self, message_id: int, lease: str) -> _OutboxRow | None:
        row = self.s.outbox[message_id]
        held = row.status == "pending" and row.leased_until is not None and row.message.lease == lease
        return row if held else None

    def renew(self, lease: str, message_ids: Collection[int], until: datetime) -> set[int]:
        kept = set()
        for message_id in message_ids:
            row = self._held(message_id, lease)
            if row is not None:
                row.leased_until = until
                kept.add(message_id)
        return kept

    def release(self, message_id: int, at: datetime, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.message = replace(row.message, attempts=row.message.attempts - 1, lease="")
        row.available_at, row.leased_until = at, None
        return True

    def release_many(self, message_ids: Collection[int], at: datetime, lease: str) -> int:
        return sum(self.release(message_id, at, lease) for message_id in message_ids)

    def wake(self, complaint_id: int, kinds: Collection[str], now: datetime) -> None:
        for row in self.s.outbox.values():
            ours = row.message.complaint_id == complaint_id and row.message.kind in kinds
            waiting = row.status == "pending" and row.available_at is not None and row.available_at > now
            if ours and waiting and row.leased_until is None:
                row.available_at = now

    def mark_done(self, message_id: int, now: datetime, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.status, row.leased_until, row.done_at = "done", None, now
        return True

    def retry_later(self, message_id: int, at: datetime, error: str, lease: str, *, failed: bool = True) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.available_at, row.leased_until, row.last_error = at, None, error
        if failed:
            row.message = replace(row.message, failures=row.message.failures + 1)
        return True

    def give_up(self, message_id: int, now: datetime, error: str, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.status, row.last_error, row.leased_until, row.done_at = "failed", error, None, now
        return True

    def forget_done(self, before: datetime, limit: int) -> int:
        old = [
            k for k, r in self.s.outbox.items() if r.status in ("done", "failed") and r.done_at and r.done_at < before
        ]
        for key in old[:limit]:
            del self.s.outbox[key]
        return len(old[:limit])


class _Checkpoints:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def get(self, name: str) -> str | None:
        return self.s.checkpoints.get(name)

    def set(self, name: str, value: str) -> None:
        self.s.checkpoints[name] = value

    def compare_and_set(self, name: str, expected: str | None, value: str) -> bool:
        if self.s.checkpoints.get(name) != expected:
            return False
        self.s.checkpoints[name] = value
        return True


class _Team:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def sla_policies(self) -> dict[str, SlaPolicy]:
        return dict(self.s.sla)

    def set_sla_policy(self, policy: SlaPolicy) -> None:
        self.s.sla[policy.tier] = policy

    def roster(self, queue: str | None = None) -> Roster | None:
        return self.s.queue_rosters.get(queue) if queue else self.s.roster

    def set_roster(self, roster: Roster, queue: str | None = None) -> None:
        if queue:
            self.s.queue_rosters[queue] = roster
        else:
            self.s.roster = roster

    def queue_overrides(self) -> dict[str, QueueOverrides]:
        return dict(self.s.queue_overrides)

    def set_queue_overrides(self, queue: str, overrides: QueueOverrides) -> None:
        self.s.queue_overrides[queue] = overrides

    def spike_states(self) -> dict[str, SpikeState]:
        return dict(self.s.spikes)

    def set_spike_state(self, topic: str, state: SpikeState) -> None:
        self.s.spikes[topic] = state

    def announcement(self, key: str) -> CardRef | None:
        return self.s.announcements.get(key)

    def remember_announcement(self, key: str, ref: CardRef) -> None:
        self.s.announcements[key] = ref

    def availability(self) -> dict[str, Availability]:
        return dict(self.s.available)

    def set_availability(self, person: str, availability: Availability | None) -> None:
        if availability is None:
            self.s.available.pop(person, None)
        else:
            self.s.available[person] = availability

    def last_assigned(self, queue: str) -> str | None:
        return self.s.last_assigned.get(queue)

    def set_last_assigned(self, queue: str, person: str) -> None:
        self.s.last_assigned[queue] = person

    def storms(self) -> dict[str, Storm]:
        return dict(self.s.storms)

    def set_storm(self, queue: str, storm: Storm | None) -> None:
        if storm is None:
            self.s.storms.pop(queue, None)
        else:
            self.s.storms[queue] = storm

    def start_storm(self, queue: str, storm: Storm) -> bool:
        if queue in self.s.storms:
            return False
        self.s.storms[queue] = storm
        return True

    def late_alerts(self) -> dict[str, LateAlert]:
        return dict(self.s.late_alerts)

    def set_late_alert(self, queue: str, alert: LateAlert | None) -> None:
        if alert is None:
            self.s.late_alerts.pop(queue, None)
        else:
            self.s.late_alerts[queue] = alert

    def installation(self, surface: str) -> dict[str, str]:
        return dict(self.s.installations.get(surface, {}))

    def remember_installation(self, surface: str, values: Mapping[str, str]) -> None:
        self.s.installations[surface] = dict(values)


class _NoStats:
    """Statistics are SQL through and through: their tests run on SQLite and PostgreSQL, not on these fakes."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"stats.{name} has no fake; test it against a real database")


class _Arrivals:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def keep(self, items: Sequence[IncomingComplaint]) -> int:
        new = 0
        for item in items:
            key = (item.source, item.external_id)
            if key not in self.s.arrivals:
                self.s.arrivals[key] = (len(self.s.arrivals) + 1, datetime.now(UTC), item)
                new += 1
        return new

    def due(self, arrived_before: datetime, limit: int) -> list[tuple[int, IncomingComplaint]]:
        rows = sorted(self.s.arrivals.values(), key=lambda row: (row[1], row[0]))
        return [(n, item) for n, at, item in rows if at < arrived_before][:limit]

    def forget(self, ids: Sequence[int]) -> None:
        self.s.arrivals = {k: v for k, v in self.s.arrivals.items() if v[0] not in set(ids)}

    def count(self) -> int:
        return len(self.s.arrivals)


class _Workers:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def beat(self, name: str, now: datetime) -> None:
        self.s.workers[name] = now

    def leave(self, name: str) -> None:
        self.s.workers.pop(name, None)

    def silent(self, now: datetime) -> list[str]:
        return [name for name, seen in self.s.workers.items() if seen < now - SILENT_AFTER]

    def forget_silent(self, before: datetime) -> int:
        gone = [name for name, seen in self.s.workers.items() if seen < before]
        for name in gone:
            del self.s.workers[name]
        return len(gone)


class FakeUnitOfWork:
    """Works on a copy of the state; commit swaps it in, leaving without commit drops it (a rollback)."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.surfaces = db.surfaces

    def __enter__(self) -> FakeUnitOfWork:
        self._state = copy.deepcopy(self._db.state)
        self.complaints = _Complaints(self._state)
        self.messages = _Messages(self._state)
        self.customers = _Customers(self._state)
        self.audit = _Audit(self._state)
        self.outbox = _Outbox(self._state)
        self.people = _People(self._state)
        self.checkpoints = _Checkpoints(self._state)
        self.team = _Team(self._state)
        self.stats: TeamStats = _NoStats()  # type: ignore[assignment]
        self.surges: Surges = _NoStats()  # type: ignore[assignment]  # runs of similar complaints are SQL too
        self.workers = _Workers(self._state)
        self.arrivals = _Arrivals(self._state)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        self._db.state = self._state
        self._db.commits += 1


class FakeDatabase:
    """A fake database; call it to open a unit of work (it is a UnitOfWorkFactory)."""

    def __init__(self, surfaces: tuple[str, ...] = (SURFACE,)) -> None:
        self.state = FakeState()
        self.commits = 0
        self.surfaces = surfaces

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class FakeChat:
    """A chat tool that is neither Slack nor Teams: records cards posted and updated, thread lines, direct messages and
    announcements; can be told to fail. It is its own card surface, notifier and directory (everyone is an agent)."""

    def __init__(self) -> None:
        self.posted: list[CardView] = []
        self.updated: list[tuple[CardRef, CardView]] = []
        self.told: list[tuple[str, str]] = []
        self.followups: list[tuple[CardRef, FollowUpLine]] = []
        self.activity: list[tuple[CardRef, ActivityLine]] = []
        self.notified: list[tuple[str, str, CardRef | None]] = []
        self.announced: list[tuple[str, bool]] = []
        self.fail_with: Exception | None = None

    def face(self) -> Face:
        """This chat tool as the core registers it."""
        return Face(cards=self, notifier=self, directory=self)

    def faces(self) -> dict[str, Face]:
        """The faces of a deployment with only this chat tool."""
        return {SURFACE: self.face()}

    def roles_of(self, handle: str) -> frozenset[Role]:
        return frozenset({Role.AGENT})

    def name_of(self, handle: str) -> str:
        return handle

    def post_card(self, channel: str, card: CardView) -> CardRef:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append(card)
        return card_ref(channel or "C0CARE", f"1000.{len(self.posted):06d}")

    def update_card(self, ref: CardRef, card: CardView) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.updated.append((ref, card))

    def tell(self, ref: CardRef, user_id: str, text: str) -> None:
        self.told.append((user_id, text))

    def find_card(self, channel: str, complaint_id: int, since: datetime) -> CardRef | None:
        for n, card in enumerate(self.posted, start=1):
            if card.complaint_id == complaint_id:
                return card_ref(channel or "C0CARE", f"1000.{n:06d}")
        return None

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        self.activity.append((ref, line))

    def notify(self, user_id: str, text: str | Line, ref: CardRef | None) -> None:
        self.notified.append((user_id, plain(text), ref))

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        if self.fail_with is not None:
            raise self.fail_with
        text, leads = plain(notice.text), notice.leads
        if leads and notice.group:
            text = f"[{' '.join(notice.group)}] {text}"
        if notice.take_next:
            text = f"{text} [Take next: {notice.take_next}]"
        if notice.acknowledge_all:
            text = f"{text} [Acknowledge all: {notice.acknowledge_all}]"
        if ref is not None:
            self.announced.append((f"(edit {ref.data['id']}) {text}", leads))
            return ref
        self.announced.append((text, leads))
        return card_ref(channel or "C0CARE", f"a{len(self.announced)}")

    def permalink(self, ref: CardRef) -> str | None:
        return f"https://chat.invalid/{ref.channel}/{ref.data['id']}"

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.followups.append((ref, followup))


def plain(line: str | Line) -> str:
    """The fake chat tool's rendering: words as they are, people by name, links as "label url", bold as words."""
    if isinstance(line, str):
        return line
    parts = []
    for span in line.spans:
        if isinstance(span, str):
            parts.append(span)
        elif isinstance(span, Mention):
            parts.append(f"@{span.name}")
        elif isinstance(span, Link):
            parts.append(span.url)
        else:
            parts.append(span.text)
    return "".join(parts)


def card_ref(channel: str, message_id: str) -> CardRef:
    """A card on the fake chat tool."""
    return CardRef(SURFACE, channel, {"id": message_id})


class FakeSocial:
    """A social network that takes replies (or fails as told), and knows replies an earlier try made."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []
        self.fail_with: DeliveryFailed | None = None
        self.out_there: list[str] = []  # posts we replied to that X has, even if we never heard back

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append((to.external_id, text))
        return PostedReply(f"9{len(self.posted)}", f"https://x.com/SqueakyAir/status/9{len(self.posted)}")

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        return PostedReply("77", "https://x.com/SqueakyAir/status/77") if to.external_id in self.out_there else None

    def post(self, text: str) -> PostedReply | None:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append(("", text))
        return PostedReply(f"8{len(self.posted)}", f"https://x.com/SqueakyAir/status/8{len(self.posted)}")


class FakeTickets:
    """A ticketing system that records requests (or fails as told)."""

    system = "built-in"

    def __init__(self) -> None:
        self.requests: list[TicketRequest] = []
        self.fail_with: DeliveryFailed | None = None

    def create(self, request: TicketRequest) -> TicketRef:
        if self.fail_with is not None:
            raise self.fail_with
        self.requests.append(request)
        return TicketRef(f"SQ-{len(self.requests)}", f"https://squeaky.example/tickets/{len(self.requests)}")


class FakeDedupe:
    """An in-memory dedupe set with no expiry."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def seen(self, keys: list[str]) -> set[str]:
        return self.keys & set(keys)

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        self.keys.update(keys)
