"""On call as the case actions need it: who is on call now, and telling the pager that a complaint paged on arrival
was taken on or dealt with."""

from __future__ import annotations

from handlers.domain.complaint import Action, Complaint
from handlers.domain.outbox_kinds import Page, complaint_alert
from handlers.domain.people import Identity
from handlers.domain.roster import on_call
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

_DONE = {Action.ACKNOWLEDGE, Action.TICKET, Action.CLOSE, Action.DISMISS, Action.MERGE}


def who_is_on_call(
    uow_factory: UnitOfWorkFactory, clock: Clock, fallback: Identity | None, queue: str | None = None
) -> str | None:
    """The person on call now (their key): from the queue's roster, else the team's, else `fallback` (ONCALL_USER)."""
    with uow_factory() as uow:
        person = on_call(uow.team.roster(queue), clock.now()) if queue else None
        person = person or on_call(uow.team.roster(), clock.now())
        if person is None and fallback is not None:
            person = uow.people.resolve(fallback).key
            uow.commit()
    return person


def wait_of(complaint: Complaint) -> str:
    """The wait for an owner a page belongs to: each wait has its own ladder, and its own pager calls."""
    return complaint.waiting_since.strftime("%Y%m%dT%H%M%S")


def page_followups(before: Complaint, action: Action) -> list[NewOutboxMessage]:
    """Tell the pager a complaint paged on arrival was taken on (claimed) or dealt with (replied, ticketed, closed).
    (A late one has no alert of its own: its queue's alert closes once all of them have owners.)"""
    if not before.paged_alone:
        return []
    alert = complaint_alert(before.id)
    if action in (Action.CLAIM, Action.REASSIGN):
        step = "acknowledge"
    elif action in _DONE:
        step = "resolve"
    else:
        return []
    return [NewOutboxMessage(Page(action=step, alert=alert), Page.key(alert, step, wait_of(before)), before.id)]
