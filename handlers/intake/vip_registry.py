"""The VIP/elite registry: customers' tiers by handle, read from a CSV of `handle,tier` rows.

An X handle is registered as it is (`ann`); a handle on another network carries the network
first (`bsky:ann.bsky.social`, `mastodon:ann@mastodon.social`), so the same name on two
networks is two customers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from handlers.ports.unit_of_work import UnitOfWorkFactory

_HANDLE = re.compile(r"(?:(bsky|mastodon):)?@?[A-Za-z0-9_.-]{1,253}(?:@[A-Za-z0-9.-]{1,253})?\Z", re.IGNORECASE)
NETWORK_PREFIXES = frozenset({"bsky", "mastodon"})  # the sources whose customers are registered under a prefix


def registry_key(source: str, handle: str) -> str:
    """How a complaint's author is registered: the bare handle on X (and other sources), `network:handle` on
    Bluesky and Mastodon; lower-cased, without "@"."""
    bare = handle.lstrip("@").lower()
    return f"{source}:{bare}" if source in NETWORK_PREFIXES else bare


def parse_handle(text: str) -> str | None:
    """A handle as a lead types it (`@ann`, `bsky:@ann.bsky.social`, `mastodon:@ann@mastodon.social`) as its
    registry key, or None when it is not one."""
    match = _HANDLE.match(text.strip())
    if match is None:
        return None
    network, _, rest = text.strip().rpartition(":") if match.group(1) else ("", "", text.strip())
    return registry_key(network.lower() or "x", rest)


def split_key(key: str) -> tuple[str | None, str]:
    """(network, handle) of a registry key: (None, handle) for an X handle."""
    network, sep, rest = key.partition(":")
    return (network, rest) if sep and network in NETWORK_PREFIXES else (None, key)


def shown(key: str) -> str:
    """A registry key as people write it: `@ann`, `bsky:@ann.bsky.social`."""
    network, handle = split_key(key)
    return f"{network}:@{handle}" if network else f"@{handle}"


@dataclass
class ImportReport:
    """What an import stored, and each line it could not read."""

    stored: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def import_tiers(uow_factory: UnitOfWorkFactory, text: str, tiers: set[str]) -> ImportReport:
    """Register each `handle,tier` row (a header row is allowed); rows that are wrong are reported, the rest stored."""
    report = ImportReport()
    rows: list[tuple[str, str]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["handle", "tier"]:
            continue
        if len(row) < 2:
            report.problems.append((number, "needs two columns: handle,tier"))
            continue
        handle, tier = parse_handle(row[0]), row[1].strip().lower()
        if handle is None:
            report.problems.append((number, f"{row[0].strip()!r} is not a handle"))
        elif tier not in tiers:
            report.problems.append((number, f"tier {tier!r} is not one of {', '.join(sorted(tiers))}"))
        else:
            rows.append((handle, tier))
    with uow_factory() as uow:
        for handle, tier in rows:
            uow.customers.set_tier(handle, tier)
        uow.commit()
    report.stored = len(rows)
    return report
