"""The queues' answers: `queue list|show`, `next`, `move`, `assign`, `back` and `away`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from handlers.cases.on_call import who_is_on_call
from handlers.domain.availability import Availability
from handlers.domain.complaint import Actor
from handlers.domain.people import Identity
from handlers.domain.queue import Assignment
from handlers.domain.rich_text import Line, Strong
from handlers.domain.stats import Waiting
from handlers.queues.move import move_to_queue
from handlers.queues.pull import take_next
from handlers.team.answers.desk import Answer, Desk
from handlers.team.answers.service_levels import describe, order
from handlers.team.words.common import CommandError
from handlers.team.words.queues import Assign, Move, Presence, QueueInfo, TakeNext


def answer_queue(desk: Desk, actor: Actor, request: QueueInfo, mentions: Mapping[str, Identity]) -> Answer:
    """`queue list|show`: the queues, what each takes, where its cards go."""
    queue = desk.queues.named(request.name or "") if request.verb == "show" else None
    if request.verb == "show" and queue is None:
        known = ", ".join(q.name for q in desk.queues.all())
        raise CommandError("queue", f"there is no queue called {request.name!r}; there are {known}")
    with desk.uow_factory() as uow:
        waiting = uow.stats.waiting_by_queue()
    if queue is None:
        listed = [
            Line.of(Strong(q.name), f" ({q.title}): {waiting.get(q.name, 0):,} waiting · takes {'; '.join(q.rules())}")
            for q in desk.queues.all()
        ]
        return Answer(f"Queues: {len(desk.queues.all())}", tuple(listed))
    where = [f"{surface}: {channel}" for surface, channel in sorted(queue.channels.items())]
    rules = desk.rules()[queue.name]
    levels = "; ".join(describe(p) for p in sorted(rules.levels.values(), key=order))
    leads = [f"{surface}: {', '.join(group)}" for surface, group in sorted(queue.leads.items())]
    key = who_is_on_call(desk.uow_factory, desk.clock, desk.fallback_on_call, queue.name)
    on_call: str | Line = Line.of("on call: ", desk.mentions([key])[key]) if key else "on call: nobody"
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


def answer_take_next(desk: Desk, actor: Actor, request: TakeNext, mentions: Mapping[str, Identity]) -> Answer:
    """`next`: the highest-ranked complaint waiting, claimed for the asker."""
    desk.queue_named(request.queue, "next")
    taken = take_next(desk.uow_factory, desk.clock, actor, request.queue)
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


def answer_assign(desk: Desk, actor: Actor, request: Assign, mentions: Mapping[str, Identity]) -> Answer:
    """`assign`: push assignment on each queue, shown or changed."""
    rules = desk.rules()
    if request.verb == "show":
        with desk.uow_factory() as uow:
            available = uow.team.availability()
        lines = []
        for r in rules.values():
            takers = sum(a.takes(r.queue.name) for a in available.values())
            lines.append(f"{r.queue.name}: {r.assign.describe()} · {takers} agent(s) available")
        return Answer("Push assignment", tuple(lines))
    name = desk.queue_named(request.queue, "assign")
    assert name is not None and request.mode is not None
    current = rules[name].assign
    assign = Assignment(request.mode, request.cap or current.cap)
    desk.change_queue(name, lambda o: replace(o, assign=assign))
    desk.audit(actor, "assign.set", {"queue": name, "mode": assign.mode, "cap": assign.cap})
    return Answer(f"Push assignment on {name}", (assign.describe(),))


def answer_move(desk: Desk, actor: Actor, request: Move, mentions: Mapping[str, Identity]) -> Answer:
    """`move`: a complaint onto another queue, its card with it."""
    desk.queue_named(request.queue, "move")
    queue = desk.queues.named(request.queue)
    assert queue is not None
    moved = move_to_queue(desk.uow_factory, desk.clock, request.complaint_id, actor, queue)
    return Answer(f"Moved #{moved.id} to {queue.title}: its card is posted in that queue's channel.")


def answer_presence(desk: Desk, actor: Actor, request: Presence, mentions: Mapping[str, Identity]) -> Answer:
    """`back` and `away`: whether the asker takes push assignments."""
    for name in request.queues:
        desk.queue_named(name, "back")
    with desk.uow_factory() as uow:
        uow.team.set_availability(
            actor.id, Availability(desk.clock.now(), request.queues) if request.available else None
        )
        uow.commit()
    desk.audit(actor, "back" if request.available else "away", {"queues": list(request.queues)})
    if not request.available:
        return Answer("You're away: Squeaky hands you no more complaints. What you hold stays yours.")
    where = ", ".join(request.queues) if request.queues else "every queue that assigns"
    return Answer(f"You're available: Squeaky hands you complaints on {where}. `/squeaky away` to stop.")
