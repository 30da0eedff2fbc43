"""What a fake database holds: complaints, messages, the outbox's rows, team settings, people."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from handlers.domain.availability import Availability
from handlers.domain.complaint import AuditEvent, CardRef, Complaint, IncomingComplaint, Message
from handlers.domain.late import LateAlert
from handlers.domain.people import Person
from handlers.domain.queue_rules import QueueOverrides
from handlers.domain.roster import Roster
from handlers.domain.sla import SlaPolicy
from handlers.domain.spikes import SpikeState
from handlers.domain.storm import Storm
from handlers.ports.outbox import OutboxMessage

SURFACE = "chat"  # the fake chat tool's name: not Slack, not Teams


@dataclass
class _OutboxRow:
    message: OutboxMessage
    lane: str  # as the body named it when it was added
    ordering: str | None
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
    ticket_keys: dict[tuple[str, str], str] = field(default_factory=dict)  # the ticket request carrying a message
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
    surveys: dict[int, tuple[datetime, int | None]] = field(default_factory=dict)  # case -> asked at, rating
    stops: set[tuple[str, str]] = field(default_factory=set)  # (source, lower-cased handle)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
