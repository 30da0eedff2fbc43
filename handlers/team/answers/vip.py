"""The VIP list's answers: `vip add|remove|list|import`."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.cases.errors import InvalidRequest
from handlers.domain.complaint import Actor
from handlers.domain.people import Identity
from handlers.intake.vip_registry import import_tiers, shown
from handlers.queues.move import follow_tier
from handlers.team.answers.desk import Answer, Desk
from handlers.team.words.vip import Vip


def answer_vip(desk: Desk, actor: Actor, request: Vip, mentions: Mapping[str, Identity]) -> Answer:
    """`vip`: list, import, add or remove a registered customer; their open complaints follow the tier."""
    if request.verb == "list":
        with desk.uow_factory() as uow:
            registered = [(h, t) for h, t in uow.customers.registered() if t != "standard"]
        lines = tuple(f"{shown(handle)}: {tier}" for handle, tier in registered) or ("Nobody is registered yet.",)
        return Answer(f"Registered customers ({len(registered)})", lines)
    if request.verb == "import":
        report = import_tiers(desk.uow_factory, request.rows, desk.tiers)
        desk.audit(actor, "vip.import", {"stored": report.stored, "problems": len(report.problems)})
        problems = tuple(f"row {n}: {why}" for n, why in report.problems)
        return Answer(f"Imported {report.stored} customer(s)", problems)
    assert request.handle is not None
    if request.verb == "add":
        if request.tier not in desk.tiers:
            raise InvalidRequest(f"`{request.tier}` is not a tier; the tiers are {', '.join(sorted(desk.tiers))}.")
        with desk.uow_factory() as uow:
            uow.customers.set_tier(request.handle, request.tier)
            uow.commit()
        desk.audit(actor, "vip.add", {"handle": request.handle, "tier": request.tier})
        moved = follow_tier(desk.uow_factory, desk.clock, desk.queues, request.handle, request.tier, actor)
        return Answer(
            f"{shown(request.handle)} is now {request.tier}: their complaints go to the top of the queue.",
            _moved(moved),
        )
    with desk.uow_factory() as uow:
        uow.customers.set_tier(request.handle, "standard")
        uow.commit()
    desk.audit(actor, "vip.remove", {"handle": request.handle})
    moved = follow_tier(desk.uow_factory, desk.clock, desk.queues, request.handle, "standard", actor)
    return Answer(f"{shown(request.handle)} is a standard customer again.", _moved(moved))


def _moved(moved: list[int]) -> tuple[str, ...]:
    """What a tier change did to the customer's open complaints."""
    if not moved:
        return ()
    return (f"Moved to the queue that takes that tier, with their cards: {', '.join(f'#{i}' for i in moved)}.",)
