"""The erasure's answer: `forget @handle [confirm]`."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.cases.errors import InvalidRequest
from handlers.domain.complaint import Actor
from handlers.domain.people import Identity
from handlers.people.erasure import forget, preview
from handlers.team.answers.desk import Answer, Desk
from handlers.team.words.forget import Forget


def answer_forget(desk: Desk, actor: Actor, request: Forget, mentions: Mapping[str, Identity]) -> Answer:
    """`forget`: what would be erased, or, confirmed, the erasure."""
    if not request.confirm:
        found = preview(desk.uow_factory, request.handle)
        return Answer(
            f"Forget @{request.handle}?",
            (
                f"This erases {found.describe()}.",
                "Counts, times and service levels stay for stats; cards out in the channels are redrawn.",
                f"Say `forget @{request.handle} confirm` to erase it. It cannot be undone.",
            ),
        )
    if desk.stream is None:
        raise InvalidRequest("erasure needs the worker's stream; run `python -m bot forget` instead")
    erased = forget(desk.uow_factory, desk.clock, desk.stream, request.handle, actor)
    return Answer(f"Forgotten: @{request.handle}", (f"Erased {erased.describe()}.",))
