"""The services one process runs with, built once by bot.bootstrap and handed to the faces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.config import Settings
from handlers.cases.agent_desk import AgentDesk
from handlers.cases.errors import InvalidRequest
from handlers.domain.complaint import Actor
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.people.who import Who
from handlers.ports.clock import Clock
from handlers.ports.coordination import Dedupe, Locks, RateLimiter, SharedValues, StreamQueue
from handlers.ports.surfaces import Faces
from handlers.ports.unit_of_work import UnitOfWorkFactory
from handlers.queues.incident import IncidentDesk
from handlers.team.command_answers import LeadDesk
from storage.sql.tickets import BuiltinTickets


def _no_ticket_pages(actor: Actor, complaint_id: int) -> str:
    raise InvalidRequest("Tickets live in another system here: open them there.")


@dataclass
class Core:
    """Storage, coordination and the triage policy: what ingest, replay and the intake need (no chat)."""

    settings: Settings
    clock: Clock
    engine: Engine
    uow_factory: UnitOfWorkFactory
    queue: StreamQueue
    streams: Callable[[str], StreamQueue]  # a named stream every process shares (a face's queued clicks)
    locks: Locks
    limiter: RateLimiter
    dedupe: Dedupe
    triage: Triage
    values: SharedValues  # small values every process shares (a network session), each with its TTL


@dataclass
class Services(Core):
    """Everything a listener, the worker or the poller needs; nothing is global."""

    faces: Faces  # every chat surface that is on, by name
    who: Who  # identities to people
    agent_desk: AgentDesk  # agents' actions and their forms, for every face
    lead_desk: LeadDesk  # the leads' commands, for every face
    incident_desk: IncidentDesk  # a lead's one public reply to a whole incident, for every face
    outbox_runner: OutboxRunner
    ticket_system: str
    face_parts: Mapping[str, object] = field(default_factory=dict)  # each face's own state, read by it alone
    builtin_tickets: BuiltinTickets | None = None  # when tickets live in Squeaky: their pages
    ticket_page_link: Callable[[Actor, int], str] = _no_ticket_pages  # a signed link to a built-in ticket's page
