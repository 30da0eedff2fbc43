"""The services one process runs with, built once by bot.bootstrap and handed to the faces."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.team import TeamDirectory
from handlers.cases.reply_templates import ReplyTemplate
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.coordination import Dedupe, Locks, RateLimiter, StreamQueue
from handlers.ports.gateways import ChatGateway, LengthRule
from handlers.ports.persistence import Clock, UnitOfWorkFactory
from storage.sql.tickets import BuiltinTickets


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

    chat: ChatGateway
    outbox_runner: OutboxRunner
    team: TeamDirectory
    templates: list[ReplyTemplate]
    ticket_system: str
    post_length: LengthRule  # how the network we reply on counts a post
    builtin_tickets: BuiltinTickets | None = None  # when tickets live in Squeaky: their pages
