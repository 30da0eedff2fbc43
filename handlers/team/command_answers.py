"""Run the team command: who may do what, then each subcommand against storage; answers are platform-neutral."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.cases.errors import SqueakyError
from handlers.cases.on_call import who_is_on_call
from handlers.domain.complaint import Actor, AuditEvent, Role
from handlers.domain.hours import BusinessHours
from handlers.domain.people import Identity
from handlers.domain.queue_rules import rules_for
from handlers.domain.rich_text import Mention
from handlers.domain.sla import SlaPolicy, with_defaults
from handlers.domain.stats import CsatRow, StatsReport, Waiting
from handlers.team.answers.desk import Answer, Desk
from handlers.team.answers.forget import answer_forget
from handlers.team.answers.oncall import answer_oncall
from handlers.team.answers.queues import answer_assign, answer_move, answer_presence, answer_queue, answer_take_next
from handlers.team.answers.reports import answer_backlog, answer_export, answer_stats
from handlers.team.answers.service_levels import answer_hours, answer_sla
from handlers.team.answers.vip import answer_vip
from handlers.team.command_words import Help, changes_settings, help_text, parse
from handlers.team.export import ExportAsked, export_csv
from handlers.team.stats import parse_period
from handlers.team.words.common import CommandError
from handlers.team.words.forget import Forget
from handlers.team.words.oncall import OnCall
from handlers.team.words.queues import Assign, Move, Presence, QueueInfo, TakeNext
from handlers.team.words.reports import Backlog, Export, Stats
from handlers.team.words.service_levels import Hours, Sla
from handlers.team.words.vip import Vip

_ANSWERS: dict[type, Callable[[Desk, Actor, Any, Mapping[str, Identity]], Answer]] = {
    Stats: answer_stats,
    Backlog: answer_backlog,
    Export: answer_export,
    Vip: answer_vip,
    Sla: answer_sla,
    Hours: answer_hours,
    OnCall: answer_oncall,
    QueueInfo: answer_queue,
    TakeNext: answer_take_next,
    Assign: answer_assign,
    Presence: answer_presence,
    Move: answer_move,
    Forget: answer_forget,
}


@dataclass(frozen=True)
class QueueLine:
    """One queue on the dashboard: how many wait there, whether it is in storm mode, whether it assigns."""

    name: str
    title: str
    waiting: int
    storm: bool = False
    assigns: bool = False


@dataclass(frozen=True)
class Dashboard:
    """The leads' at-a-glance summary: today's figures, the queue, who holds what, who is on call, each queue, and who
    takes assignments."""

    today: StatsReport
    waiting: tuple[Waiting, ...]
    holders: tuple[tuple[str, int], ...]
    on_call: Mention | None
    queues: tuple[QueueLine, ...] = ()
    available: frozenset[str] = frozenset()  # person keys taking push assignments
    week_csat: CsatRow | None = None  # satisfaction over the cases closed in the last 7 days (None: none closed)


@dataclass
class LeadDesk(Desk):
    """The team command: who may do what, then the subcommand's answer from the table; and the leads' dashboard."""

    def run(self, actor: Actor, text: str, mentions: Mapping[str, Identity] | None = None) -> Answer:
        """Answer one command line from `actor`; bad words get the help, refusals are audited. `mentions` are the
        people the face found mentioned in it, by the word that stands for each (`@U123` says `U123`)."""
        try:
            request = parse(text)
        except CommandError as exc:
            return Answer(f"Sorry: {exc.reason}.", tuple(help_text(exc.subcommand)), refused=True)
        if isinstance(request, Help):
            title = f"/squeaky {request.subcommand}" if request.subcommand else "Squeaky's commands"
            return Answer(title, tuple(help_text(request.subcommand)))
        if Role.AGENT not in actor.roles:
            return self._refuse(actor, text, "Squeaky's commands are for the care team; ask a team lead to add you.")
        if changes_settings(request) and Role.LEAD not in actor.roles:
            return self._refuse(actor, text, "Only team leads can change that; anyone on the team can read it.")
        if isinstance(request, Export) and Role.LEAD not in actor.roles:
            return self._refuse(actor, text, "Only team leads can export the cases.")
        if isinstance(request, Forget) and Role.LEAD not in actor.roles:
            return self._refuse(actor, "forget", "Only team leads can erase a customer's data.")
        try:
            return _ANSWERS[type(request)](self, actor, request, mentions or {})
        except (SqueakyError, CommandError) as exc:  # a case not found, a move not allowed: said, never raised
            sub = exc.subcommand if isinstance(exc, CommandError) else type(request).__name__.lower()
            return Answer(f"Sorry: {exc}", tuple(help_text(sub)), refused=True)

    def dashboard(self) -> Dashboard:
        """Today's figures, the five most urgent waiting, who holds what, and who is on call."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            policies = with_defaults(uow.team.sla_policies())
            today = uow.stats.report(parse_period("today", now, self.timezone), policies, None, now)
            waiting = tuple(uow.stats.waiting(5))
            holders = tuple(uow.stats.holders())
            by_queue, storms = uow.stats.waiting_by_queue(), uow.team.storms()
            available = frozenset(uow.team.availability())
            week = next(iter(uow.stats.csat(parse_period("7d", now, self.timezone))), None)
        rules = self.rules()
        queues = tuple(
            QueueLine(q.name, q.title, by_queue.get(q.name, 0), q.name in storms, rules[q.name].assign.on)
            for q in self.queues.all()
        )
        key = who_is_on_call(self.uow_factory, self.clock, self.fallback_on_call)
        on_call = self.mentions([key]).get(key) if key else None
        return Dashboard(today, waiting, holders, on_call, queues, available, week)

    def _refuse(self, actor: Actor, text: str, why: str) -> Answer:
        with self.uow_factory() as uow:
            event = AuditEvent(None, actor, "refused:command", None, None, self.clock.now(), {"command": text[:200]})
            uow.audit.record(event)
            uow.commit()
        return Answer(why, refused=True)

    def export_file(self, asked: ExportAsked) -> tuple[bytes, int]:
        """The CSV file a lead asked for, and how many cases it holds."""
        now = self.clock.now()
        rules = self.rules()
        with self.uow_factory() as uow:
            records = uow.stats.cases(asked.period, asked.queue)

        def queue_rules(name: str) -> tuple[Mapping[str, SlaPolicy], BusinessHours]:
            found = rules_for(rules, self.queues, name)
            return found.levels, found.hours

        return export_csv(records, queue_rules, now, self.networks)
