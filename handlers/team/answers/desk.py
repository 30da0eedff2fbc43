"""What every subcommand's answer needs: the answer itself, and the desk's storage, clock, policies and helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from handlers.domain.complaint import Actor, AuditEvent
from handlers.domain.people import Identity
from handlers.domain.queue import QueuePolicy
from handlers.domain.queue_rules import QueueOverrides, QueueRules, rules_of
from handlers.domain.rich_text import Line, Mention
from handlers.domain.stats import Period, StatsReport, Waiting
from handlers.ports.clock import Clock
from handlers.ports.coordination import StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory
from handlers.team.export import ExportAsked
from handlers.team.words.common import CommandError


@dataclass(frozen=True)
class Answer:
    """What the command answers: a title and lines, or a report or backlog to render; private unless `public`."""

    title: str
    lines: tuple[str | Line, ...] = ()  # a string is plain text; people are mentioned only through a Line
    public: bool = False
    report: StatsReport | None = None
    chart: Period | None = None  # draw volume and time to acknowledge over this period
    waiting: tuple[Waiting, ...] = ()
    refused: bool = False
    queue: str | None = None  # the chart's queue (None: every queue)
    export: ExportAsked | None = None  # a CSV file of these cases follows the answer


@dataclass
class Desk:
    """What the command needs: storage, the clock, the team's time zone and who is on call by default."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    timezone: str = "UTC"
    fallback_on_call: Identity | None = None  # who is on call while no roster is set (ONCALL_USER)
    handoff_hour: int = 9
    tiers: set[str] = field(default_factory=lambda: {"vip", "elite", "standard"})
    queues: QueuePolicy = field(default_factory=QueuePolicy)
    stream: StreamQueue | None = None  # the complaint stream, which erasure also cleans
    follower_points: int = (
        0  # how much followers weigh in the ranking (0: not at all, the promise stats fairness checks)
    )
    networks: Mapping[str, str] = field(default_factory=dict)  # each source's name as agents know it, for the export

    def mentions(self, keys: list[str]) -> dict[str, Mention]:
        """The people these keys name, as mentions (someone unknown is said as such)."""
        with self.uow_factory() as uow:
            found = uow.people.get_many(keys)
        return {key: found[key].mention() if key in found else Mention(f"someone ({key})") for key in keys}

    def audit(self, actor: Actor, what: str, detail: dict[str, object]) -> None:
        """Record a lead's change of `what` in the audit trail."""
        with self.uow_factory() as uow:
            uow.audit.record(AuditEvent(None, actor, f"settings:{what}", None, None, self.clock.now(), dict(detail)))
            uow.commit()

    def queue_named(self, name: str | None, sub: str) -> str | None:
        """A queue's name as asked, checked against the policy."""
        if name is not None and self.queues.named(name) is None:
            known = ", ".join(q.name for q in self.queues.all())
            raise CommandError(sub, f"there is no queue called {name!r}; there are {known}")
        return name

    def rules(self) -> dict[str, QueueRules]:
        """Each queue's rules: the policy with what the leads have changed of it."""
        with self.uow_factory() as uow:
            return rules_of(self.queues, uow.team.sla_policies(), uow.team.queue_overrides())

    def change_queue(self, name: str, change: Callable[[QueueOverrides], QueueOverrides]) -> None:
        """Apply a lead's change to what the command has changed of one queue's rules."""
        with self.uow_factory() as uow:
            overrides = uow.team.queue_overrides().get(name, QueueOverrides())
            uow.team.set_queue_overrides(name, change(overrides))
            uow.commit()
