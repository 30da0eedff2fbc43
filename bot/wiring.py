"""The services one process runs with, built once by bot.bootstrap and handed to the faces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.gateway import SlackChatGateway
from bot.slack.team import TeamDirectory
from handlers.cases.agent_desk import AgentDesk
from handlers.cases.errors import InvalidRequest
from handlers.cases.model import Actor
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.people.who import Who
from handlers.ports.coordination import Dedupe, Locks, RateLimiter, StreamQueue
from handlers.ports.persistence import Clock, UnitOfWorkFactory
from handlers.ports.surfaces import Faces
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
    clicks: StreamQueue  # clicks the web process acked, for a worker to decide
    locks: Locks
    limiter: RateLimiter
    dedupe: Dedupe
    triage: Triage


@dataclass
class Services(Core):
    """Everything a listener, the worker or the poller needs; nothing is global."""

    faces: Faces  # every chat surface that is on, by name
    slack: SlackChatGateway  # the Slack face's own calls (an ephemeral answer)
    who: Who  # identities to people
    agent_desk: AgentDesk  # agents' actions and their forms, for every face
    outbox_runner: OutboxRunner
    team: TeamDirectory
    ticket_system: str
    builtin_tickets: BuiltinTickets | None = None  # when tickets live in Squeaky: their pages
    ticket_page_link: Callable[[Actor, int], str] = _no_ticket_pages  # a short-lived link to a built-in ticket
