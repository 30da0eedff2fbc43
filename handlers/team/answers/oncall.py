"""The on-call answers: `oncall show|set|rotation`, and who is on call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from handlers.cases.on_call import who_is_on_call
from handlers.domain.complaint import Actor
from handlers.domain.people import Identity
from handlers.domain.rich_text import Line, joined
from handlers.domain.roster import Roster, next_handoff, starting_now
from handlers.team.answers.desk import Answer, Desk
from handlers.team.words.common import CommandError
from handlers.team.words.oncall import OnCall


def answer_oncall(desk: Desk, actor: Actor, request: OnCall, mentions: Mapping[str, Identity]) -> Answer:
    """`oncall`: who is on call and how the rotation turns, shown or changed."""
    now = desk.clock.now()
    queue = desk.queue_named(request.queue, "oncall")
    if request.verb != "show":
        roster: Roster
        users = _people(desk, request.users, mentions)
        if request.verb == "set":
            roster = Roster(users, timezone=desk.timezone)
        else:
            rotation = Roster(
                users,
                cadence=request.cadence,
                handoff_hour=desk.handoff_hour if request.hour is None else request.hour,
                handoff_weekday=request.weekday if request.weekday is not None else 0,
                timezone=desk.timezone,
            )
            roster = starting_now(rotation, now)
        with desk.uow_factory() as uow:
            uow.team.set_roster(roster, queue)
            uow.commit()
        desk.audit(actor, f"oncall.{request.verb}", {"roster": roster.to_json(), "queue": queue})
    with desk.uow_factory() as uow:
        current = uow.team.roster(queue) or (uow.team.roster() if queue else None)
    title = "On-call set" if request.verb != "show" else "On call"
    return show_oncall(desk, current, now, f"{title} for {queue}" if queue else title, queue)


def _people(desk: Desk, words: tuple[str, ...], mentions: Mapping[str, Identity]) -> tuple[str, ...]:
    """The people the words name, as person keys (each must be a mention the face resolved)."""
    unknown = [w for w in words if w not in mentions]
    if unknown:
        raise CommandError("oncall", f"`@{unknown[0]}` is not a person: mention them, like @maria")
    with desk.uow_factory() as uow:
        keys = tuple(uow.people.resolve(mentions[w]).key for w in words)
        uow.commit()
    return keys


def show_oncall(desk: Desk, roster: Roster | None, now: datetime, title: str, queue: str | None = None) -> Answer:
    """Who is on call now, the rotation and the next hand-off."""
    person = who_is_on_call(desk.uow_factory, desk.clock, desk.fallback_on_call, queue)
    people = desk.mentions([*(roster.users if roster else ()), *([person] if person else [])])
    lines: list[str | Line] = [Line.of("On call now: ", people[person]) if person else "Nobody is on call."]
    if roster is not None and roster.cadence:
        handoff = next_handoff(roster, now)
        order = joined([people[u] for u in roster.users])
        lines.append(Line.of(f"Rotation ({roster.cadence}): ", *order))
        if handoff is not None:
            lines.append(f"Next hand-off: {handoff:%a %d %b %H:%M} ({roster.timezone})")
    return Answer(title, tuple(lines))
