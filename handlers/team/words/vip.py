"""The VIP list's words: `vip add|remove|list|import`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.intake.vip_registry import parse_handle
from handlers.team.words.common import CommandError, tier_word


@dataclass(frozen=True)
class Vip:
    """`vip add|remove|list|import`."""

    verb: Literal["add", "remove", "list", "import"]
    handle: str | None = None
    tier: str = "vip"
    rows: str = ""


def parse_vip(words: list[str], raw: str) -> Vip:
    """`vip add|remove|list|import`; `raw` keeps the rows of an import as they were written."""
    verb = words[0].lower() if words else ""
    if verb == "list" and len(words) == 1:
        return Vip("list")
    if verb == "import":
        rows = raw.split(None, 2)[2] if len(raw.split(None, 2)) > 2 else ""
        if not rows.strip():
            raise CommandError("vip", "`vip import` needs rows: handle,tier; handle,tier")
        return Vip("import", rows=rows.replace(";", "\n"))
    if verb in ("add", "remove") and len(words) >= 2:
        handle = parse_handle(words[1])
        if handle is None:
            raise CommandError(
                "vip", f"`{words[1]}` is not a handle: @name on X, bsky:@name or mastodon:@name@instance"
            )
        if verb == "remove" and len(words) == 2:
            return Vip("remove", handle)
        if verb == "add" and len(words) <= 3:
            return Vip("add", handle, tier_word(words[2], "vip") if len(words) == 3 else "vip")
    raise CommandError("vip", "say add, remove, list or import, with a handle where one is needed")
