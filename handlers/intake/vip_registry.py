"""The VIP/elite registry: customers' tiers by handle, read from a CSV of `handle,tier` rows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from handlers.ports.persistence import UnitOfWorkFactory

_HANDLE = re.compile(r"@?[A-Za-z0-9_.]{1,64}\Z")


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
        handle, tier = row[0].strip(), row[1].strip().lower()
        if not _HANDLE.match(handle):
            report.problems.append((number, f"{handle!r} is not a handle"))
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
