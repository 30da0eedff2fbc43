"""How complaints map to and from their rows: the shared selects, row readers and value builders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    false,
    or_,
    select,
)

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.complaint import (
    Actor,
    CardRef,
    Complaint,
    Delivery,
    NewCase,
    PrivateHandoff,
    PublicReply,
    Status,
    Ticket,
)
from handlers.ports.clock import Clock
from storage.sql.tables import complaint_cards, complaints, people

OPEN = [status.value for status in OPEN_STATUSES]
MAX_MERGE_HOPS = 8  # a chain of merges (A into B, B into C) is followed this far


# A complaint with its owner's name and identities: what every read of whole complaints selects.
WITH_OWNER = select(
    complaints, people.c.display_name.label("owner_display_name"), people.c.identities.label("owner_identities")
).select_from(complaints.outerjoin(people, people.c.id == complaints.c.owner_person_id))


# The same with its cards, one row per card (one round trip for the outbox's reads of a complaint).
WITH_OWNER_AND_CARDS = select(
    complaints,
    people.c.display_name.label("owner_display_name"),
    people.c.identities.label("owner_identities"),
    complaint_cards.c.surface.label("card_surface"),
    complaint_cards.c.channel.label("card_channel"),
    complaint_cards.c.reference.label("card_reference"),
    complaint_cards.c.posted_at.label("card_posted_at"),
).select_from(
    complaints.outerjoin(people, people.c.id == complaints.c.owner_person_id).outerjoin(
        complaint_cards, complaint_cards.c.complaint_id == complaints.c.id
    )
)


def complaint_of(row: RowMapping, cards: tuple[CardRef, ...] = ()) -> Complaint:
    """The complaint a row of `WITH_OWNER` (and its cards) describes."""
    owner = None
    if row["owner_person_id"] is not None:
        key = str(row["owner_person_id"])
        name = row["owner_display_name"] or row["owner_name"] or key
        owner = Actor(id=key, name=name, surface="", handles=dict(row["owner_identities"] or {}))
    return Complaint(
        id=row["id"],
        source=row["source"],
        external_id=row["external_id"],
        author_id=row["author_id"],
        author_handle=row["author_handle"],
        author_name=row["author_name"],
        text=row["text"],
        created_at=row["created_at"],
        received_at=row["received_at"],
        posted_at=row["posted_at"],
        fingerprint=row["fingerprint"],
        status=Status(row["status"]),
        version=row["version"],
        tier=row["tier"],
        url=row["url"],
        conversation_id=row["conversation_id"],
        in_reply_to_id=row["in_reply_to_id"],
        mentions_us=bool(row["mentions_us"]),
        post_cid=row["post_cid"],
        visibility=row["visibility"],
        author_url=row["author_url"],
        owner=owner,
        claimed_at=row["claimed_at"],
        cards=cards,
        topic=row["topic"],
        topic_by=row["topic_by"],
        skill_group=row["skill_group"],
        priority=row["priority"],
        priority_reasons=tuple(row["priority_reasons"] or ()),
        noise_rule=row["noise_rule"],
        followup_count=row["followup_count"],
        reply=reply_of(row),
        ticket=ticket_of(row),
        private=private_of(row),
        dismiss_reason=row["dismiss_reason"],
        merged_into=row["merged_into"],
        first_claimed_at=row["first_claimed_at"],
        acknowledged_at=row["acknowledged_at"],
        ticketed_at=row["ticketed_at"],
        resolved_at=row["resolved_at"],
        sla_stage=row["sla_stage"],
        paged_alone=bool(row["paged_alone"]),
        requeued_at=row["requeued_at"],
        queue=row["queue"],
    )


def reply_of(row: RowMapping) -> PublicReply | None:
    """The public reply a complaint row records, if any."""
    if row["reply_status"] is None:
        return None
    return PublicReply(
        text=row["reply_text"] or "",
        status=Delivery(row["reply_status"]),
        post_id=row["reply_post_id"],
        url=row["reply_url"],
        error=row["reply_error"],
    )


def ticket_of(row: RowMapping) -> Ticket | None:
    """The ticket a complaint row records, if any."""
    if row["ticket_status"] is None:
        return None
    return Ticket(
        system=row["ticket_system"] or "",
        subject=row["ticket_subject"] or "",
        status=Delivery(row["ticket_status"]),
        number=row["ticket_number"],
        url=row["ticket_url"],
        error=row["ticket_error"],
    )


def private_of(row: RowMapping) -> PrivateHandoff | None:
    """The private hand-off a complaint row records, if any."""
    if row["private_status"] is None:
        return None
    return PrivateHandoff(
        text=row["private_text"] or "",
        status=Delivery(row["private_status"]),
        conversation_id=row["private_conversation_id"],
        message_id=row["private_message_id"],
        error=row["private_error"],
    )


def private_values(private: PrivateHandoff) -> dict[str, Any]:
    """The column values that record a private hand-off."""
    return {
        "private_text": private.text,
        "private_status": private.status.value,
        "private_conversation_id": private.conversation_id,
        "private_message_id": private.message_id,
        "private_error": private.error,
    }


def reply_values(reply: PublicReply) -> dict[str, Any]:
    """The column values that record a public reply."""
    return {
        "reply_text": reply.text,
        "reply_status": reply.status.value,
        "reply_post_id": reply.post_id,
        "reply_url": reply.url,
        "reply_error": reply.error,
    }


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    """The column values that record a ticket."""
    return {
        "ticket_system": ticket.system,
        "ticket_subject": ticket.subject,
        "ticket_status": ticket.status.value,
        "ticket_number": ticket.number,
        "ticket_url": ticket.url,
        "ticket_error": ticket.error,
    }


def case_row(case: NewCase) -> dict[str, Any]:
    """The row that inserts a new case."""
    item = case.incoming
    return {
        "source": item.source,
        "external_id": item.external_id,
        "author_id": item.author_id,
        "author_handle": item.author_handle,
        "author_key": item.author_handle.lower(),
        "author_name": item.author_name,
        "author_followers": item.author_followers,
        "text": item.text,
        "url": item.url,
        "conversation_id": item.conversation_id,
        "in_reply_to_id": item.in_reply_to_id,
        "mentions_us": item.mentions_us,
        "post_cid": item.post_cid,
        "visibility": item.visibility,
        "author_url": item.author_url,
        "created_at": item.created_at,
        "received_at": case.received_at,
        "posted_at": case.posted_at,
        "fingerprint": case.fingerprint,
        "status": Status.NEW.value,
        "version": 1,
        "tier": case.tier,
        "queue": case.queue,
        "topic": case.topic,
        "topic_by": case.topic_by,
        "skill_group": case.skill_group,
        "priority": case.priority,
        "priority_reasons": list(case.priority_reasons),
        "queue_rank": case.queue_rank,
        "noise_rule": case.noise_rule,
        "followup_count": 0,
        "updated_at": case.received_at,
    }


def sharing(fingerprint: Any, keys: str) -> Any:
    """A condition: the fingerprint column holds one of `keys` (space-separated; keys have no LIKE wildcards)."""
    return or_(*(fingerprint.like(f"% {key} %") for key in keys.split())) if keys.split() else false()


def aware(value: Any) -> datetime:
    """A timestamp an aggregate returned: SQLite's MIN() gives the stored text, naive UTC."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class SqlRows:
    """A repository's connection and clock."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock
