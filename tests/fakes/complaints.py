"""Fakes of the complaint, message and customer repositories."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.complaint import (
    CardRef,
    Change,
    Complaint,
    Delivery,
    Message,
    MessageKind,
    NewCase,
    OpenCase,
    PrivateHandoff,
    PublicReply,
    Status,
    Ticket,
)
from handlers.domain.late import LateQueue
from handlers.ports.complaints import DuplicateKey, FollowupCount, ThreadIndex, WaitScope
from tests.fakes.state import FakeState


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
            opened = case.private.conversation_id if case.private is not None else None
            if opened in conversation_ids:
                index.by_conversation[opened] = case.id
            if opened in tweet_ids:
                index.by_tweet[opened] = case.id
        return index

    def record_reply(self, complaint_id: int, reply: PublicReply) -> None:
        self.s.complaints[complaint_id] = replace(self.s.complaints[complaint_id], reply=reply)

    def record_private(self, complaint_id: int, private: PrivateHandoff) -> None:
        self.s.complaints[complaint_id] = replace(self.s.complaints[complaint_id], private=private)

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        self.s.complaints[complaint_id] = replace(self.s.complaints[complaint_id], ticket=ticket)

    def tickets_out(self, complaint_ids: Collection[int]) -> set[int]:
        found = (self.s.complaints.get(i) for i in complaint_ids)
        return {c.id for c in found if c is not None and c.ticket is not None and c.ticket.status is Delivery.SENT}

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
            totals[case_id] = FollowupCount(case.followup_count + added, rank, tuple(case.cards))
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

    def carry(self, complaint_id: int, key: str) -> list[Message]:
        mine = [m for m in self.for_complaint(complaint_id) if self._ticket_key(m) == key]
        if mine:
            return mine
        for m in self.for_complaint(complaint_id):
            self.s.ticket_keys[(m.incoming.source, m.incoming.external_id)] = key
        return self.for_complaint(complaint_id)

    def not_carried(self, complaint_id: int, key: str) -> list[Message]:
        return [m for m in self.for_complaint(complaint_id) if self._ticket_key(m) != key]

    def _ticket_key(self, message: Message) -> str | None:
        return self.s.ticket_keys.get((message.incoming.source, message.incoming.external_id))

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
