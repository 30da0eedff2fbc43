"""The erasure's words: `forget @handle [confirm]`."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.intake.vip_registry import parse_handle, split_key
from handlers.team.words.common import CommandError


@dataclass(frozen=True)
class Forget:
    """`forget @handle [confirm]`: without confirm, what would be erased."""

    handle: str
    confirm: bool = False


def parse_forget(words: list[str]) -> Forget:
    """`forget @handle [confirm]`: a handle is forgotten on every network it was seen on."""
    confirm = len(words) == 2 and words[1].lower() == "confirm"
    key = parse_handle(words[0]) if words else None
    if len(words) not in (1, 2) or (len(words) == 2 and not confirm) or key is None:
        raise CommandError("forget", "say forget and the customer's @handle, then confirm to erase")
    return Forget(split_key(key)[1], confirm)
