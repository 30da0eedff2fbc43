"""The service levels' answers: `sla show|set|page` and `hours show|set|holiday|always`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from handlers.cases.errors import InvalidRequest
from handlers.domain.complaint import Actor
from handlers.domain.hours import ALWAYS, HoursError, parse_hours
from handlers.domain.people import Identity
from handlers.domain.sla import SlaPolicy, policy_for, with_defaults
from handlers.team.answers.desk import Answer, Desk
from handlers.team.words.common import CommandError
from handlers.team.words.service_levels import Hours, Sla


def answer_sla(desk: Desk, actor: Actor, request: Sla, mentions: Mapping[str, Identity]) -> Answer:
    """`sla`: the team's service levels, or one queue's."""
    return _team_sla(desk, actor, request) if request.queue is None else _queue_sla(desk, actor, request)


def _team_sla(desk: Desk, actor: Actor, request: Sla) -> Answer:
    """The team-wide service levels, shown or changed."""
    with desk.uow_factory() as uow:
        policies = with_defaults(uow.team.sla_policies())
        if request.verb == "show":
            return Answer("Service levels", tuple(describe(p) for p in sorted(policies.values(), key=order)))
        assert request.tier is not None
        policy = changed(policy_for(policies, request.tier), request)
        uow.team.set_sla_policy(policy)
        uow.commit()
    desk.audit(actor, f"sla.{request.verb}", {"policy": describe(policy)})
    return Answer("Service level set", (describe(policy),))


def _queue_sla(desk: Desk, actor: Actor, request: Sla) -> Answer:
    """One queue's service levels, shown or changed."""
    name = desk.queue_named(request.queue, "sla")
    assert name is not None
    rules = desk.rules()[name]
    if request.verb == "show":
        lines = tuple(describe(p) for p in sorted(rules.levels.values(), key=order))
        return Answer(f"Service levels on {name}", (*lines, f"Clocks run: {rules.hours.describe()}"))
    assert request.tier is not None
    current = rules.policy(request.tier)
    policy = changed(current, request)
    desk.change_queue(name, lambda o: replace(o, levels={**o.levels, policy.tier: policy}))
    desk.audit(actor, f"sla.{request.verb}", {"queue": name, "policy": describe(policy)})
    return Answer(f"Service level set on {name}", (describe(policy),))


def answer_hours(desk: Desk, actor: Actor, request: Hours, mentions: Mapping[str, Identity]) -> Answer:
    """`hours`: when each queue's service-level clocks run, shown or changed."""
    rules = desk.rules()
    if request.verb == "show":
        name = desk.queue_named(request.queue, "hours")
        shown = [rules[name]] if name else list(rules.values())
        return Answer("Business hours", tuple(f"{r.queue.name}: {r.hours.describe()}" for r in shown))
    name = desk.queue_named(request.queue, "hours")
    assert name is not None
    current = rules[name].hours
    try:
        if request.verb == "always":
            hours = ALWAYS
        elif request.verb == "holiday":
            dates = sorted({*(str(d) for d in current.holidays), *request.dates})
            hours = parse_hours(current.said, current.timezone, dates)
        else:
            zone = request.timezone or (desk.timezone if current.always else current.timezone)
            hours = parse_hours(list(request.weekly), zone, [str(d) for d in current.holidays])
    except HoursError as exc:
        raise CommandError("hours", str(exc)) from None
    desk.change_queue(name, lambda o: replace(o, hours=hours))
    desk.audit(actor, f"hours.{request.verb}", {"queue": name, "hours": hours.describe()})
    return Answer(f"Business hours set on {name}", (hours.describe(),))


def changed(current: SlaPolicy, request: Sla) -> SlaPolicy:
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


def order(policy: SlaPolicy) -> tuple[int, str]:
    """The order service levels are listed in: the quickest first."""
    return (policy.claim_minutes, policy.tier)


def describe(policy: SlaPolicy) -> str:
    """One tier's service level in words."""
    page = ", pages on-call on arrival" if policy.page_on_arrival else ""
    return f"{policy.tier}: claim within {policy.claim_minutes} min, acknowledge within {policy.ack_minutes} min{page}"
