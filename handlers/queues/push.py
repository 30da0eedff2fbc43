"""Push assignment: on a queue that turns it on, Squeaky hands each waiting complaint (highest-ranked first) to an
available agent, round-robin or to the least loaded, never past their cap of open claims, and tells them in a direct
message with the card's link. A claim handed out and not acted upon within the claim deadline is taken back by the
claim expiry and goes to the next agent, not back to the same one.

It runs in the worker under a lock, every few seconds; each hand-out is a claim (compare-and-set), so an agent who
takes the complaint meanwhile simply keeps it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from handlers.cases.claim import claim
from handlers.cases.errors import AlreadyClaimed, ConcurrentUpdate, IllegalTransition
from handlers.dispatch.fan_out import send
from handlers.domain.availability import Availability
from handlers.domain.complaint import SYSTEM, Action, Actor, AuditEvent, Role
from handlers.domain.outbox_kinds import URGENT_RANK, DirectMessage
from handlers.domain.people import Person
from handlers.domain.queue import QueuePolicy
from handlers.domain.queue_rules import rules_of
from handlers.domain.stats import Waiting
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

BATCH = 50  # complaints handed out per queue and pass at most


def _taken_back_from(uow: UnitOfWork, complaint_id: int) -> str | None:
    """Whose claim on this complaint was last taken back (expired or released), if any."""
    events = [e for e in uow.audit.for_complaint(complaint_id) if e.action in (Action.EXPIRE, Action.RELEASE)]
    return str(events[-1].detail.get("from")) if events and events[-1].detail.get("from") else None


def pick(
    mode: str, agents: Sequence[str], loads: Mapping[str, int], cap: int, last: str | None, avoid: str | None
) -> str | None:
    """Who gets the next complaint: among `agents` under `cap`, the next after `last` (round-robin) or the least
    loaded (ties in order), avoiding `avoid` (whose claim on it was taken back) unless nobody else is free."""
    free = [a for a in agents if loads.get(a, 0) < cap]
    if avoid is not None and len(free) > 1:
        free = [a for a in free if a != avoid]
    if not free:
        return None
    if mode == "least-loaded":
        return min(free, key=lambda a: (loads.get(a, 0), agents.index(a)))
    start = agents.index(last) + 1 if last in agents else 0
    turn = [*agents[start:], *agents[:start]]  # the agents in order, starting after the one who got the last
    return next(a for a in turn if a in free)


def _message(waiting: Waiting, title: str, deadline: timedelta) -> str:
    minutes = int(deadline.total_seconds() // 60)
    return (
        f"Squeaky gave you #{waiting.complaint_id} on {title}, from @{waiting.author_handle}: “{waiting.text[:200]}”. "
        f"Reply or move it to a ticket within {minutes} min, or it goes to the next agent."
    )


def assign_waiting(
    uow_factory: UnitOfWorkFactory, clock: Clock, queues: QueuePolicy, deadline: timedelta
) -> list[tuple[int, str]]:
    """Hand waiting complaints of every queue that assigns to available agents; return (complaint, person key)."""
    with uow_factory() as uow:
        rules = rules_of(queues, uow.team.sla_policies(), uow.team.queue_overrides())
        assigning = [r for r in rules.values() if r.assign.on]
        if not assigning:
            return []
        available: dict[str, Availability] = uow.team.availability()
        loads = uow.complaints.open_claims()
        people = uow.people.get_many(list(available))
    handed: list[tuple[int, str]] = []
    for queue_rules in assigning:
        queue, assign = queue_rules.queue, queue_rules.assign
        agents = sorted((key for key, a in available.items() if a.takes(queue.name) and key in people), key=int)
        if not agents:
            continue
        with uow_factory() as uow:
            waiting = uow.stats.waiting(BATCH, queue.name)
            last = uow.team.last_assigned(queue.name)
        for item in waiting:
            avoid = None
            if sum(loads.get(a, 0) < assign.cap for a in agents) > 1:  # whose claim was taken back matters only then
                with uow_factory() as uow:
                    avoid = _taken_back_from(uow, item.complaint_id)
            agent = pick(assign.mode, agents, loads, assign.cap, last, avoid)
            if agent is None:
                break  # everyone is at their cap: the rest waits for someone to finish
            if not _hand(uow_factory, clock, item, people[agent], queue.title, deadline, assign.mode):
                continue
            loads[agent] = loads.get(agent, 0) + 1
            last = agent
            handed.append((item.complaint_id, agent))
        if last is not None:
            with uow_factory() as uow:
                uow.team.set_last_assigned(queue.name, last)
                uow.commit()
    return handed


def _hand(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    item: Waiting,
    person: Person,
    title: str,
    deadline: timedelta,
    mode: str,
) -> bool:
    """Claim the complaint for `person` and tell them; False when someone took it meanwhile."""
    surface = next(iter(person.handles), "chat")
    agent: Actor = person.actor(surface, frozenset({Role.AGENT}))
    try:
        claim(uow_factory, clock, item.complaint_id, agent)
    except (AlreadyClaimed, ConcurrentUpdate, IllegalTransition):
        return False
    now = clock.now()
    told = DirectMessage(user=person.key, text=_message(item, title, deadline))
    with uow_factory() as uow:
        key = DirectMessage.key("assigned", item.complaint_id, now.isoformat())
        send(uow, [NewOutboxMessage(told, key, item.complaint_id, URGENT_RANK)])
        detail = {"to": person.key, "mode": mode}
        uow.audit.record(AuditEvent(item.complaint_id, SYSTEM, "assigned", None, None, now, detail))
        uow.commit()
    return True
