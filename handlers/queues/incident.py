"""Acknowledge an incident at once: from a queue's storm summary or a spike alert, a lead writes one public reply
(from a template), sees before sending how many complaints it reaches, which cannot be answered and why, how long the
longest rendering is as each network counts it, what it all costs and how long the networks' posting limits take to
send it, and Squeaky answers every eligible complaint of the incident once: paced, after agents' own replies, each
card updated and its thread kept. Optionally one status post from the brand account says it to everyone.

Each reply names its case (the template's {case}, or " (case #N)" added), so no two are alike: X refuses a post that
repeats an earlier one word for word."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime

from handlers.cases import transitions
from handlers.cases.errors import IllegalTransition, InvalidRequest, NotLead, SqueakyError
from handlers.cases.forms import Template
from handlers.cases.reply_templates import ReplyTemplate, check, render, values
from handlers.cases.sources import Sources
from handlers.dispatch.fan_out import send
from handlers.domain.complaint import Action, Actor, AuditEvent, Complaint, Role
from handlers.domain.outbox_kinds import Announcement, IncidentReplies, SocialReply, StatusPost
from handlers.domain.queue import QueuePolicy
from handlers.domain.spikes import ALL_TOPICS
from handlers.ports.clock import Clock
from handlers.ports.gateways import PostLength, SourceRules
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

LIMIT = 10_000  # the most complaints one incident reply reaches
INCIDENT_RANK = -1e14  # an incident's replies wait behind agents' own replies to X
CASE = " (case #{case})"
MEASURED = 20  # replies measured exactly per source: those whose placeholders stand for the widest values


@dataclass(frozen=True)
class Incident:
    """What a lead acknowledges at once: a queue's storm, or a spike on a topic (since it opened)."""

    key: str  # "storm:QUEUE" or "spike:TOPIC"
    title: str
    queue: str | None = None
    topic: str | None = None
    since: datetime | None = None
    cluster: str | None = None  # a storm of similar complaints: only those sharing one of these near-duplicate keys


@dataclass(frozen=True)
class IncidentForm:
    """The incident reply before it is sent: its text and templates, how many complaints it reaches (and how many it
    cannot, and why), the longest rendering as its network counts it, what it costs and how long it takes to send."""

    key: str
    title: str
    text: str
    templates: tuple[Template, ...]
    total: int  # open complaints of the incident not yet acknowledged
    eligible: int
    not_allowed: int
    not_allowed_why: str
    longest: PostLength | None  # the longest of the replies as rendered for each complaint
    rule: str
    cost: float  # all of them
    send_minutes: int  # how long the posting limits take to send them all (0: at once)
    sample: str  # the reply as the first complaint gets it
    status_post: bool = True  # whether a status post from the brand account may go with it

    @property
    def over(self) -> bool:
        """Whether some rendering is too long to send."""
        return self.longest is not None and self.longest.over > 0

    def summary(self) -> str:
        """The numbers in one sentence, for the form and the confirmation."""
        reach = f"{self.eligible:,} of {self.total:,} complaints"
        skipped = (
            f"; {self.not_allowed:,} cannot be answered publicly ({self.not_allowed_why})" if self.not_allowed else ""
        )
        when = f"about {self.send_minutes} min, at the network's posting limit" if self.send_minutes else "at once"
        return f"Reaches {reach}{skipped}. Costs ${self.cost:,.2f} in all; sent {when}."


@dataclass(frozen=True)
class _Scope:
    complaints: list[Complaint] = field(default_factory=list)
    eligible: list[Complaint] = field(default_factory=list)


def incident_of(uow: UnitOfWork, queues: QueuePolicy, key: str) -> Incident:
    """The incident a button names, if it is still going on."""
    kind, _, name = key.partition(":")
    if kind == "storm":
        queue, storm = queues.named(name), uow.team.storms().get(name)
        if queue is None or storm is None:
            raise InvalidRequest(f"There is no storm on {name!r} now: acknowledge its complaints one by one.")
        if storm.cluster is not None:  # exactly the similar complaints that started it
            return Incident(
                key, f"the “{storm.cluster_title}” complaints on {queue.title}", name, cluster=storm.cluster_keys
            )
        return Incident(key, f"the storm on {queue.title}", queue=name)
    if kind == "spike":
        state = uow.team.spike_states().get(name)
        if state is None or state.open_since is None:
            raise InvalidRequest(f"The spike about {name!r} is over: acknowledge its complaints one by one.")
        topic = None if name == ALL_TOPICS else name
        return Incident(key, f"the spike about “{name}”", topic=topic, since=state.open_since)
    raise InvalidRequest(f"{key[:40]!r} is not an incident Squeaky knows.")


@dataclass
class IncidentDesk:
    """Builds the incident reply's form, takes a lead's reply, and (in the worker) answers each complaint once."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    sources: Sources
    queues: QueuePolicy
    templates: list[ReplyTemplate] = field(default_factory=list)
    dm_link: str = ""

    def _scope(self, incident: Incident) -> _Scope:
        with self.uow_factory() as uow:
            found = uow.complaints.unacknowledged(
                queue=incident.queue, topic=incident.topic, since=incident.since, limit=LIMIT, cluster=incident.cluster
            )
        return _Scope(found, [c for c in found if self.sources.reply_allowed(c)])

    def choices(self) -> tuple[Template, ...]:
        """The templates an incident reply may start from (their placeholders unfilled; none needing a ticket)."""
        return tuple(Template(t.name, t.text) for t in self.templates if not t.needs_ticket)

    def reply_for(self, text: str, complaint: Complaint) -> str:
        """The incident reply as this complaint gets it: its placeholders filled in, and its case named."""
        said = text if "{case}" in text else text.rstrip() + CASE
        return render(ReplyTemplate("incident", said), complaint, self.dm_link).strip()

    def form(self, who: Actor, key: str, text: str | None = None) -> IncidentForm:
        """The form for acknowledging `key` with `text` (the first template when None); leads only."""
        if Role.LEAD not in who.roles:
            raise NotLead(Action.INCIDENT_REPLY)
        with self.uow_factory() as uow:
            incident = incident_of(uow, self.queues, key)
        templates = self.choices()
        text = text if text is not None else (templates[0].text if templates else "")
        _check(text)
        scope = self._scope(incident)
        longest: PostLength | None = None
        cost, rule = 0.0, ""
        per_window: dict[tuple[int, float], int] = {}
        for rules, measured, count in self._measured(text, scope.eligible):
            if longest is None or measured.length - measured.limit > longest.length - longest.limit:
                longest, rule = measured, rules.length.rule
            cost += rules.cost(measured) * count  # the replies differ only in names and numbers: no link comes or goes
            if rules.posting_limit:
                per_window[rules.posting_limit] = per_window.get(rules.posting_limit, 0) + count
        minutes = max(
            (math.ceil((math.ceil(n / posts) - 1) * seconds / 60) for (posts, seconds), n in per_window.items()),
            default=0,
        )
        refused = len(scope.complaints) - len(scope.eligible)
        answered = {c.id for c in scope.eligible}
        why = next((self.sources.of(c.source).not_allowed for c in scope.complaints if c.id not in answered), "")
        sample = self.reply_for(text, scope.eligible[0]) if scope.eligible else ""
        return IncidentForm(
            key, incident.title, text, templates, len(scope.complaints), len(scope.eligible), refused,
            _short(why), longest, rule, cost, minutes, sample,
        )  # fmt: skip

    def _measured(self, text: str, complaints: list[Complaint]) -> list[tuple[SourceRules, PostLength, int]]:
        """Per source: its rules, the longest of the replies as it counts them, and how many replies. Replies differ
        only in what their placeholders stand for, so only those with the widest values are measured (a network's
        count is costly; the form is redrawn as the lead types)."""
        by_source: dict[str, list[Complaint]] = {}
        for complaint in complaints:
            by_source.setdefault(complaint.source, []).append(complaint)
        out = []
        for source, group in by_source.items():
            rules = self.sources.of(source)
            widest = heapq.nlargest(MEASURED, group, key=lambda c: sum(map(_width, values(c, self.dm_link).values())))
            measured = [rules.length.measure(self.reply_for(text, c)) for c in widest]
            out.append((rules, max(measured, key=lambda m: m.length - m.limit), len(group)))
        return out

    def send(self, who: Actor, key: str, text: str, status: str = "") -> IncidentForm:
        """Take a lead's incident reply: checked, audited, and queued for the worker to send (it answers each
        eligible complaint once); with `status`, one status post from the brand account too."""
        if not text.strip():
            raise InvalidRequest("Write the reply first.")
        form = self.form(who, key, text)
        if form.over:
            assert form.longest is not None
            raise InvalidRequest(
                f"The longest reply is {form.longest.length} characters {form.rule}; the limit is "
                f"{form.longest.limit}. Shorten it by {form.longest.over}."
            )
        if not form.eligible:
            raise InvalidRequest("No complaint of this incident can be answered publicly now.")
        now = self.clock.now()
        with self.uow_factory() as uow:
            incident = incident_of(uow, self.queues, key)
        replies = IncidentReplies(
            incident=key,
            title=incident.title,
            queue=incident.queue,
            topic=incident.topic,
            since=incident.since,
            cluster=incident.cluster,
            text=text,
            lead=who,
        )
        outbox = [NewOutboxMessage(replies, IncidentReplies.key(key, now), None)]
        if status.strip():
            post = StatusPost(text=status)
            outbox.append(NewOutboxMessage(post, StatusPost.key(IncidentReplies.key(key, now)), None))
        with self.uow_factory() as uow:
            send(uow, outbox)
            detail = {"incident": key, "eligible": form.eligible, "text": text[:500], "status_post": bool(status)}
            uow.audit.record(AuditEvent(None, who, "incident:acknowledged", None, None, now, detail))
            uow.commit()
        return form

    def reply_all(self, incident: Incident, text: str, who: Actor) -> tuple[int, int]:
        """The worker's part: answer each eligible complaint of the incident once (one already answered, or taken on
        meanwhile and answered by its agent, is left be), even if the storm or spike has passed since the lead sent
        it. Return (answered now, left be)."""
        key = incident.key
        answered = skipped = 0
        for complaint in self._scope(incident).eligible:
            reply = self.reply_for(text, complaint)
            if self.sources.of(complaint.source).length.measure(reply).over:
                skipped += 1
                continue

            def effects(updated: Complaint, complaint_id: int = complaint.id) -> list[NewOutboxMessage]:
                key, reply = SocialReply.key(complaint_id, updated.version), SocialReply(source=updated.source)
                return [NewOutboxMessage(reply, key, complaint_id, INCIDENT_RANK)]

            try:
                transitions.apply(
                    self.uow_factory, self.clock, complaint.id, Action.INCIDENT_REPLY, who,
                    effects=effects, detail={"text": reply, "incident": key}, reply_text=reply,
                )  # fmt: skip
                answered += 1
            except (IllegalTransition, SqueakyError):
                skipped += 1  # answered, closed or merged meanwhile
        if answered:  # a job run again (a worker cut short) finds nobody left, and says nothing more
            self._announce(incident, text, who, answered, skipped)
        return answered, skipped

    def _announce(self, incident: Incident, text: str, who: Actor, answered: int, skipped: int) -> None:
        """Tell the team, in the incident's channel, that the lead's reply is going out."""
        queue = self.queues.named(incident.queue) if incident.queue else None
        said = (
            f"{who.name} acknowledged {incident.title} publicly: {answered:,} complaint"
            f"{'s' if answered != 1 else ''} answered with “{text[:200]}”"
            + (f"; {skipped:,} left be (answered or closed meanwhile)" if skipped else "")
            + ". The replies go out at the network's pace, each card updated as its reply lands."
        )
        told = Announcement(text=said, channels=dict(queue.channels) if queue else {})
        key = f"chat.announce:{incident.key}:{self.clock.now():%Y%m%dT%H%M%S%f}"
        with self.uow_factory() as uow:
            send(uow, [NewOutboxMessage(told, key, None)])
            uow.commit()


def _check(text: str) -> None:
    try:
        check(ReplyTemplate("incident", text))
    except ValueError as exc:
        raise InvalidRequest(str(exc).replace("template 'incident' uses", "the reply uses")) from None


def _width(value: str) -> int:
    """How wide a value is as networks count text: letters of the Latin, Greek and Cyrillic ranges and common
    punctuation one, anything else (ideographs, emoji) two."""
    return sum(1 if ord(ch) <= 4351 or 8192 <= ord(ch) <= 8247 else 2 for ch in value)


def _short(text: str) -> str:
    """The reason a reply is not allowed, in its telling sentence ("X lets us reply only to posts that …")."""
    sentences = [part.strip().rstrip(".") for part in text.split(". ") if part.strip()]
    telling = next((part for part in sentences if "not possible" not in part), sentences[0] if sentences else "")
    return telling[:160]


def incident_from(message: IncidentReplies) -> tuple[Incident, str, Actor]:
    """The incident, the reply and the lead an incident reply message carries (the lead was checked when they sent
    it)."""
    incident = Incident(
        message.incident,
        message.title or message.incident,
        queue=message.queue,
        topic=message.topic,
        since=message.since,
        cluster=message.cluster,
    )
    return incident, message.text, message.lead
