"""Run the team command: who may do what, then each subcommand against storage; answers are platform-neutral."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from handlers.cases.errors import InvalidRequest, SqueakyError
from handlers.cases.on_call import who_is_on_call
from handlers.domain.availability import Availability
from handlers.domain.complaint import Actor, AuditEvent, Role
from handlers.domain.hours import ALWAYS, BusinessHours, HoursError, parse_hours
from handlers.domain.people import Identity
from handlers.domain.queue import Assignment, QueuePolicy
from handlers.domain.queue_rules import QueueOverrides, QueueRules, rules_for, rules_of
from handlers.domain.rich_text import Line, Mention, Strong, joined
from handlers.domain.roster import Roster, next_handoff, starting_now
from handlers.domain.sla import SlaPolicy, policy_for, with_defaults
from handlers.domain.stats import Period, StatsReport, Waiting
from handlers.intake.vip_registry import import_tiers, shown
from handlers.people.erasure import forget, preview
from handlers.ports.clock import Clock
from handlers.ports.coordination import StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory
from handlers.queues.move import follow_tier, move_to_queue
from handlers.queues.pull import take_next
from handlers.team.command_words import Help, Request, changes_settings, help_text, parse
from handlers.team.export import ExportAsked, export_csv
from handlers.team.fairness_lines import fairness_lines
from handlers.team.stats import parse_period
from handlers.team.words.common import CommandError
from handlers.team.words.forget import Forget
from handlers.team.words.oncall import OnCall
from handlers.team.words.queues import Assign, Move, Presence, QueueInfo, TakeNext
from handlers.team.words.reports import Backlog, Export, Stats
from handlers.team.words.service_levels import Hours, Sla
from handlers.team.words.vip import Vip

BACKLOG_SIZE = 15


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


@dataclass
class LeadDesk:
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
            return self._answer(actor, request, mentions or {})
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
        rules = self._rules()
        queues = tuple(
            QueueLine(q.name, q.title, by_queue.get(q.name, 0), q.name in storms, rules[q.name].assign.on)
            for q in self.queues.all()
        )
        key = who_is_on_call(self.uow_factory, self.clock, self.fallback_on_call)
        on_call = self._mentions([key]).get(key) if key else None
        return Dashboard(today, waiting, holders, on_call, queues, available)

    def _mentions(self, keys: list[str]) -> dict[str, Mention]:
        with self.uow_factory() as uow:
            found = uow.people.get_many(keys)
        return {key: found[key].mention() if key in found else Mention(f"someone ({key})") for key in keys}

    def _refuse(self, actor: Actor, text: str, why: str) -> Answer:
        with self.uow_factory() as uow:
            event = AuditEvent(None, actor, "refused:command", None, None, self.clock.now(), {"command": text[:200]})
            uow.audit.record(event)
            uow.commit()
        return Answer(why, refused=True)

    def _audit(self, actor: Actor, what: str, detail: dict[str, object]) -> None:
        with self.uow_factory() as uow:
            uow.audit.record(AuditEvent(None, actor, f"settings:{what}", None, None, self.clock.now(), dict(detail)))
            uow.commit()

    def _answer(self, actor: Actor, request: Request, mentions: Mapping[str, Identity]) -> Answer:
        if isinstance(request, Stats):
            return self._stats(request)
        if isinstance(request, Backlog):
            queue = self._queue_named(request.queue, "backlog")
            with self.uow_factory() as uow:
                waiting = uow.stats.waiting(BACKLOG_SIZE, queue=queue)
            where = f" on {queue}" if queue else ""
            title = (
                f"Backlog{where}: {len(waiting)} waiting for an owner"
                if waiting
                else f"Backlog{where}: nothing waiting"
            )
            return Answer(title, public=request.public, waiting=tuple(waiting))
        if isinstance(request, Export):
            return self._export(actor, request)
        if isinstance(request, Vip):
            return self._vip(actor, request)
        if isinstance(request, Sla):
            return self._sla(actor, request) if request.queue is None else self._queue_sla(actor, request)
        if isinstance(request, Hours):
            return self._hours(actor, request)
        if isinstance(request, QueueInfo):
            return self._queue(request)
        if isinstance(request, TakeNext):
            return self._take_next(actor, request)
        if isinstance(request, Assign):
            return self._assign(actor, request)
        if isinstance(request, Presence):
            return self._presence(actor, request)
        if isinstance(request, Move):
            return self._move(actor, request)
        if isinstance(request, Forget):
            return self._forget(actor, request)
        assert isinstance(request, OnCall)
        return self._oncall(actor, request, mentions)

    def _queue_named(self, name: str | None, sub: str) -> str | None:
        """A queue's name as asked, checked against the policy."""
        if name is not None and self.queues.named(name) is None:
            known = ", ".join(q.name for q in self.queues.all())
            raise CommandError(sub, f"there is no queue called {name!r}; there are {known}")
        return name

    def _forget(self, actor: Actor, request: Forget) -> Answer:
        if not request.confirm:
            found = preview(self.uow_factory, request.handle)
            return Answer(
                f"Forget @{request.handle}?",
                (
                    f"This erases {found.describe()}.",
                    "Counts, times and service levels stay for stats; cards out in the channels are redrawn.",
                    f"Say `forget @{request.handle} confirm` to erase it. It cannot be undone.",
                ),
            )
        if self.stream is None:
            raise InvalidRequest("erasure needs the worker's stream; run `python -m bot forget` instead")
        erased = forget(self.uow_factory, self.clock, self.stream, request.handle, actor)
        return Answer(f"Forgotten: @{request.handle}", (f"Erased {erased.describe()}.",))

    def _take_next(self, actor: Actor, request: TakeNext) -> Answer:
        self._queue_named(request.queue, "next")
        taken = take_next(self.uow_factory, self.clock, actor, request.queue)
        where = f" on {request.queue}" if request.queue else ""
        if taken is None:
            return Answer(f"Nothing is waiting for an owner{where}: well done.")
        shown = Waiting(
            taken.id,
            taken.author_handle,
            taken.text,
            taken.tier,
            taken.topic,
            taken.priority,
            taken.received_at,
            cards=taken.cards,
        )
        return Answer(f"Yours now: #{taken.id} from @{taken.author_handle}", waiting=(shown,))

    def _queue(self, request: QueueInfo) -> Answer:
        queue = self.queues.named(request.name or "") if request.verb == "show" else None
        if request.verb == "show" and queue is None:
            known = ", ".join(q.name for q in self.queues.all())
            raise CommandError("queue", f"there is no queue called {request.name!r}; there are {known}")
        with self.uow_factory() as uow:
            waiting = uow.stats.waiting_by_queue()
        if queue is None:
            listed = [
                Line.of(
                    Strong(q.name), f" ({q.title}): {waiting.get(q.name, 0):,} waiting · takes {'; '.join(q.rules())}"
                )
                for q in self.queues.all()
            ]
            return Answer(f"Queues: {len(self.queues.all())}", tuple(listed))
        where = [f"{surface}: {channel}" for surface, channel in sorted(queue.channels.items())]
        rules = self._rules()[queue.name]
        levels = "; ".join(_describe(p) for p in sorted(rules.levels.values(), key=_order))
        leads = [f"{surface}: {', '.join(group)}" for surface, group in sorted(queue.leads.items())]
        key = who_is_on_call(self.uow_factory, self.clock, self.fallback_on_call, queue.name)
        on_call: str | Line = Line.of("on call: ", self._mentions([key])[key]) if key else "on call: nobody"
        lines = (
            f"{waiting.get(queue.name, 0):,} waiting for an owner",
            f"takes {'; '.join(queue.rules())}",
            "cards go to " + (", ".join(where) if where else "each chat tool's own channel"),
            f"service levels: {levels}",
            f"clocks run: {rules.hours.describe()}",
            f"assignment: {rules.assign.describe()}",
            on_call,
            "leads called: " + (", ".join(leads) if leads else "the team's lead group"),
        )
        return Answer(f"Queue {queue.name}: {queue.title}", lines)

    def _stats(self, request: Stats) -> Answer:
        now = self.clock.now()
        period = parse_period(request.period, now, self.timezone)
        queue = self._queue_named(request.queue, "stats")
        where = f" on {queue}" if queue else ""
        if request.fairness:
            with self.uow_factory() as uow:
                fairness = uow.stats.fairness(period, queue)
            lines = fairness_lines(fairness, self.follower_points)
            return Answer(f"Fairness for {period.label}{where}", lines, public=request.public)
        with self.uow_factory() as uow:
            policies = with_defaults(uow.team.sla_policies())
            report = uow.stats.report(period, policies, request.by, now, queue)
        title = f"Stats for {period.label}{where}"
        return Answer(title, public=request.public, report=report, chart=period, queue=queue)

    def _export(self, actor: Actor, request: Export) -> Answer:
        period = parse_period(request.period, self.clock.now(), self.timezone)
        queue = self._queue_named(request.queue, "export")
        asked = ExportAsked(period, queue)
        self._audit(actor, "export", {"period": period.label, "queue": queue})
        where = f" on {queue}" if queue else ""
        return Answer(
            f"Export of the cases of {period.label}{where}", (f"The file {asked.filename} follows.",), export=asked
        )

    def export_file(self, asked: ExportAsked) -> tuple[bytes, int]:
        """The CSV file a lead asked for, and how many cases it holds."""
        now = self.clock.now()
        rules = self._rules()
        with self.uow_factory() as uow:
            records = uow.stats.cases(asked.period, asked.queue)

        def queue_rules(name: str) -> tuple[Mapping[str, SlaPolicy], BusinessHours]:
            found = rules_for(rules, self.queues, name)
            return found.levels, found.hours

        return export_csv(records, queue_rules, now, self.networks)

    def _vip(self, actor: Actor, request: Vip) -> Answer:
        if request.verb == "list":
            with self.uow_factory() as uow:
                registered = [(h, t) for h, t in uow.customers.registered() if t != "standard"]
            lines = tuple(f"{shown(handle)}: {tier}" for handle, tier in registered) or ("Nobody is registered yet.",)
            return Answer(f"Registered customers ({len(registered)})", lines)
        if request.verb == "import":
            report = import_tiers(self.uow_factory, request.rows, self.tiers)
            self._audit(actor, "vip.import", {"stored": report.stored, "problems": len(report.problems)})
            problems = tuple(f"row {n}: {why}" for n, why in report.problems)
            return Answer(f"Imported {report.stored} customer(s)", problems)
        assert request.handle is not None
        if request.verb == "add":
            if request.tier not in self.tiers:
                raise InvalidRequest(f"`{request.tier}` is not a tier; the tiers are {', '.join(sorted(self.tiers))}.")
            with self.uow_factory() as uow:
                uow.customers.set_tier(request.handle, request.tier)
                uow.commit()
            self._audit(actor, "vip.add", {"handle": request.handle, "tier": request.tier})
            moved = follow_tier(self.uow_factory, self.clock, self.queues, request.handle, request.tier, actor)
            return Answer(
                f"{shown(request.handle)} is now {request.tier}: their complaints go to the top of the queue.",
                _moved(moved),
            )
        with self.uow_factory() as uow:
            uow.customers.set_tier(request.handle, "standard")
            uow.commit()
        self._audit(actor, "vip.remove", {"handle": request.handle})
        moved = follow_tier(self.uow_factory, self.clock, self.queues, request.handle, "standard", actor)
        return Answer(f"{shown(request.handle)} is a standard customer again.", _moved(moved))

    def _sla(self, actor: Actor, request: Sla) -> Answer:
        with self.uow_factory() as uow:
            policies = with_defaults(uow.team.sla_policies())
            if request.verb == "show":
                return Answer("Service levels", tuple(_describe(p) for p in sorted(policies.values(), key=_order)))
            assert request.tier is not None
            policy = _changed(policy_for(policies, request.tier), request)
            uow.team.set_sla_policy(policy)
            uow.commit()
        self._audit(actor, f"sla.{request.verb}", {"policy": _describe(policy)})
        return Answer("Service level set", (_describe(policy),))

    def _rules(self) -> dict[str, QueueRules]:
        with self.uow_factory() as uow:
            return rules_of(self.queues, uow.team.sla_policies(), uow.team.queue_overrides())

    def _change_queue(self, name: str, change: Callable[[QueueOverrides], QueueOverrides]) -> None:
        """Apply a lead's change to what the command has changed of one queue's rules."""
        with self.uow_factory() as uow:
            overrides = uow.team.queue_overrides().get(name, QueueOverrides())
            uow.team.set_queue_overrides(name, change(overrides))
            uow.commit()

    def _queue_sla(self, actor: Actor, request: Sla) -> Answer:
        name = self._queue_named(request.queue, "sla")
        assert name is not None
        rules = self._rules()[name]
        if request.verb == "show":
            lines = tuple(_describe(p) for p in sorted(rules.levels.values(), key=_order))
            return Answer(f"Service levels on {name}", (*lines, f"Clocks run: {rules.hours.describe()}"))
        assert request.tier is not None
        current = rules.policy(request.tier)
        policy = _changed(current, request)
        self._change_queue(name, lambda o: replace(o, levels={**o.levels, policy.tier: policy}))
        self._audit(actor, f"sla.{request.verb}", {"queue": name, "policy": _describe(policy)})
        return Answer(f"Service level set on {name}", (_describe(policy),))

    def _assign(self, actor: Actor, request: Assign) -> Answer:
        rules = self._rules()
        if request.verb == "show":
            with self.uow_factory() as uow:
                available = uow.team.availability()
            lines = []
            for r in rules.values():
                takers = sum(a.takes(r.queue.name) for a in available.values())
                lines.append(f"{r.queue.name}: {r.assign.describe()} · {takers} agent(s) available")
            return Answer("Push assignment", tuple(lines))
        name = self._queue_named(request.queue, "assign")
        assert name is not None and request.mode is not None
        current = rules[name].assign
        assign = Assignment(request.mode, request.cap or current.cap)
        self._change_queue(name, lambda o: replace(o, assign=assign))
        self._audit(actor, "assign.set", {"queue": name, "mode": assign.mode, "cap": assign.cap})
        return Answer(f"Push assignment on {name}", (assign.describe(),))

    def _move(self, actor: Actor, request: Move) -> Answer:
        self._queue_named(request.queue, "move")
        queue = self.queues.named(request.queue)
        assert queue is not None
        moved = move_to_queue(self.uow_factory, self.clock, request.complaint_id, actor, queue)
        return Answer(f"Moved #{moved.id} to {queue.title}: its card is posted in that queue's channel.")

    def _presence(self, actor: Actor, request: Presence) -> Answer:
        for name in request.queues:
            self._queue_named(name, "back")
        with self.uow_factory() as uow:
            uow.team.set_availability(
                actor.id, Availability(self.clock.now(), request.queues) if request.available else None
            )
            uow.commit()
        self._audit(actor, "back" if request.available else "away", {"queues": list(request.queues)})
        if not request.available:
            return Answer("You're away: Squeaky hands you no more complaints. What you hold stays yours.")
        where = ", ".join(request.queues) if request.queues else "every queue that assigns"
        return Answer(f"You're available: Squeaky hands you complaints on {where}. `/squeaky away` to stop.")

    def _hours(self, actor: Actor, request: Hours) -> Answer:
        rules = self._rules()
        if request.verb == "show":
            name = self._queue_named(request.queue, "hours")
            shown = [rules[name]] if name else list(rules.values())
            return Answer("Business hours", tuple(f"{r.queue.name}: {r.hours.describe()}" for r in shown))
        name = self._queue_named(request.queue, "hours")
        assert name is not None
        current = rules[name].hours
        try:
            if request.verb == "always":
                hours = ALWAYS
            elif request.verb == "holiday":
                dates = sorted({*(str(d) for d in current.holidays), *request.dates})
                hours = parse_hours(current.said, current.timezone, dates)
            else:
                zone = request.timezone or (self.timezone if current.always else current.timezone)
                hours = parse_hours(list(request.weekly), zone, [str(d) for d in current.holidays])
        except HoursError as exc:
            raise CommandError("hours", str(exc)) from None
        self._change_queue(name, lambda o: replace(o, hours=hours))
        self._audit(actor, f"hours.{request.verb}", {"queue": name, "hours": hours.describe()})
        return Answer(f"Business hours set on {name}", (hours.describe(),))

    def _people(self, words: tuple[str, ...], mentions: Mapping[str, Identity]) -> tuple[str, ...]:
        """The people the words name, as person keys (each must be a mention the face resolved)."""
        unknown = [w for w in words if w not in mentions]
        if unknown:
            raise CommandError("oncall", f"`@{unknown[0]}` is not a person: mention them, like @maria")
        with self.uow_factory() as uow:
            keys = tuple(uow.people.resolve(mentions[w]).key for w in words)
            uow.commit()
        return keys

    def _oncall(self, actor: Actor, request: OnCall, mentions: Mapping[str, Identity]) -> Answer:
        now = self.clock.now()
        queue = self._queue_named(request.queue, "oncall")
        if request.verb != "show":
            roster: Roster
            users = self._people(request.users, mentions)
            if request.verb == "set":
                roster = Roster(users, timezone=self.timezone)
            else:
                rotation = Roster(
                    users,
                    cadence=request.cadence,
                    handoff_hour=self.handoff_hour if request.hour is None else request.hour,
                    handoff_weekday=request.weekday if request.weekday is not None else 0,
                    timezone=self.timezone,
                )
                roster = starting_now(rotation, now)
            with self.uow_factory() as uow:
                uow.team.set_roster(roster, queue)
                uow.commit()
            self._audit(actor, f"oncall.{request.verb}", {"roster": roster.to_json(), "queue": queue})
        with self.uow_factory() as uow:
            current = uow.team.roster(queue) or (uow.team.roster() if queue else None)
        title = "On-call set" if request.verb != "show" else "On call"
        return self._show_oncall(current, now, f"{title} for {queue}" if queue else title, queue)

    def _show_oncall(self, roster: Roster | None, now: datetime, title: str, queue: str | None = None) -> Answer:
        person = who_is_on_call(self.uow_factory, self.clock, self.fallback_on_call, queue)
        people = self._mentions([*(roster.users if roster else ()), *([person] if person else [])])
        lines: list[str | Line] = [Line.of("On call now: ", people[person]) if person else "Nobody is on call."]
        if roster is not None and roster.cadence:
            handoff = next_handoff(roster, now)
            order = joined([people[u] for u in roster.users])
            lines.append(Line.of(f"Rotation ({roster.cadence}): ", *order))
            if handoff is not None:
                lines.append(f"Next hand-off: {handoff:%a %d %b %H:%M} ({roster.timezone})")
        return Answer(title, tuple(lines))


def _moved(moved: list[int]) -> tuple[str, ...]:
    """What a tier change did to the customer's open complaints."""
    if not moved:
        return ()
    return (f"Moved to the queue that takes that tier, with their cards: {', '.join(f'#{i}' for i in moved)}.",)


def _changed(current: SlaPolicy, request: Sla) -> SlaPolicy:
    """A tier's service level as `sla set` or `sla page` leaves it."""
    assert request.tier is not None
    if request.verb == "set":
        assert request.claim_minutes is not None
        ack = request.ack_minutes or max(current.ack_minutes, request.claim_minutes)
        if ack < request.claim_minutes:
            raise InvalidRequest("The time to acknowledge cannot be shorter than the time to claim.")
        return SlaPolicy(request.tier, request.claim_minutes, ack, current.page_on_arrival)
    assert request.page is not None
    return SlaPolicy(request.tier, current.claim_minutes, current.ack_minutes, request.page)


def _order(policy: SlaPolicy) -> tuple[int, str]:
    return (policy.claim_minutes, policy.tier)


def _describe(policy: SlaPolicy) -> str:
    page = ", pages on-call on arrival" if policy.page_on_arrival else ""
    return f"{policy.tier}: claim within {policy.claim_minutes} min, acknowledge within {policy.ack_minutes} min{page}"
