"""Erase a customer: their posts, names and handles go from every table; the counts and times stats read stay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, Table, and_, cast, delete, func, literal, or_, select, update

from handlers.domain.people import ERASED_HANDLE, ERASED_NAME, ERASED_TEXT, Erased
from handlers.intake.vip_registry import NETWORK_PREFIXES
from storage.sql.set_queries import chunks
from storage.sql.tables import audit_events, complaints, customers, messages, outbox, tickets


def erase_customer(c: Connection, handle: str, *, preview: bool = False) -> Erased:
    """Erase `handle`'s data (lower-cased, no @) in one transaction; with `preview`, only count what would go."""
    key = handle.lstrip("@").lower()
    theirs = list(c.execute(select(complaints.c.id).where(complaints.c.author_key == key)).scalars())
    their_posts = func.lower(messages.c.author_handle) == key
    on_their_cases = messages.c.complaint_id.in_(theirs) if theirs else None
    which_messages = or_(their_posts, on_their_cases) if on_their_cases is not None else their_posts
    mentioned = or_(
        func.lower(cast(audit_events.c.detail, String)).like(f'%"{key}"%'),
        func.lower(cast(audit_events.c.detail, String)).like(f"%@{key}%"),
    )
    which_audit = or_(audit_events.c.complaint_id.in_(theirs), mentioned) if theirs else mentioned
    which_audit = and_(which_audit, cast(audit_events.c.detail, String) != "{}")
    erased = Erased(
        complaints=tuple(theirs),
        messages=_count(c, messages, which_messages),
        tickets=_count(c, tickets, tickets.c.complaint_id.in_(theirs)) if theirs else 0,
        audit_details=_count(c, audit_events, which_audit),
        registry=_count(c, customers, customers.c.handle.in_(_registry_keys(key))),
    )
    if preview:
        return erased
    for chunk in chunks(theirs):
        _erase_cases(c, list(chunk))
    c.execute(
        update(messages)
        .where(which_messages)
        .values(
            text=ERASED_TEXT,
            author_handle=ERASED_HANDLE,
            external_id=_pseudonym(messages.c.id),
            conversation_id=None,
            in_reply_to_id=None,
        )
    )
    c.execute(update(audit_events).where(which_audit).values(detail={}))
    registered = customers.c.handle.in_(_registry_keys(key))
    # their "stop" stays, and nothing else of them: a suppression entry, so forgetting them never restarts messages
    c.execute(delete(customers).where(registered, customers.c.private_stopped_at.is_(None)))
    c.execute(update(customers).where(registered).values(tier="standard"))
    return erased


def _registry_keys(key: str) -> list[str]:
    """The handle's registry keys on every network (handlers.intake.vip_registry)."""
    return [key, *(f"{network}:{key}" for network in NETWORK_PREFIXES)]


def _erase_cases(c: Connection, ids: Sequence[int]) -> None:
    c.execute(
        update(complaints)
        .where(complaints.c.id.in_(ids))
        .values(
            author_id=ERASED_HANDLE,
            author_handle=ERASED_HANDLE,
            author_name=ERASED_NAME,
            author_key=_pseudonym(complaints.c.id),
            text=ERASED_TEXT,
            url=None,
            external_id=_pseudonym(complaints.c.id),
            conversation_id=None,
            in_reply_to_id=None,
            reply_text=None,
            reply_url=None,
            ticket_subject=None,
            private_text=None,  # our private messages to them, and their answer to the satisfaction question
            private_conversation_id=None,
            private_message_id=None,
            survey_rating=None,
            survey_answered_at=None,
        )
    )
    c.execute(
        update(tickets)
        .where(tickets.c.complaint_id.in_(ids))
        .values(subject=ERASED_TEXT, notes=None, contact=None, conversation=None)
    )
    # what was delivered about them (replies, thread lines) is gone; what is still to go keeps its payload
    c.execute(delete(outbox).where(outbox.c.complaint_id.in_(ids), outbox.c.status.in_(("done", "failed"))))


def _pseudonym(row_id: Any) -> Any:
    """An id that no longer points at the post or the person: "erased:" and the row's own id (still unique)."""
    return literal("erased:", String) + cast(row_id, String)


def _count(c: Connection, table: Table, where: Any) -> int:
    return int(c.execute(select(func.count()).select_from(table).where(where)).scalar() or 0)
