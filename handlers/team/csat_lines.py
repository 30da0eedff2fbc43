"""The satisfaction lines of `/squeaky stats`: responses, response rate, mean and share satisfied, in all and by
queue, tier, agent, topic and network, and the share of closed cases that moved to a private conversation."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.domain.stats import CsatRow
from handlers.text.figures import duration

_BY = (
    ("queue", "By queue"),
    ("tier", "By tier"),
    ("agent", "By agent"),
    ("topic", "By topic"),
    ("network", "By network"),
)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def csat_figures(row: CsatRow) -> str:
    """Answered of asked, the rate, the mean and the share satisfied, in one line."""
    mean = f"mean {row.mean:.1f}" if row.mean is not None else "no rating yet"
    rate = _share(row.answered, row.asked)
    return f"{row.answered} of {row.asked} answered ({rate}) · {mean} · {_share(row.satisfied, row.answered)} satisfied"


def csat_lines(rows: list[CsatRow], networks: Mapping[str, str]) -> tuple[str, ...]:
    """The lines, or one saying no case closed in the period."""
    overall = next((r for r in rows if r.dimension == "all"), None)
    if overall is None:
        return ("Satisfaction: no case was closed in this period.",)
    lines = [
        f"Moved offline: {overall.moved} of {overall.closed} closed cases ({_share(overall.moved, overall.closed)})",
        f"Time to the first private message: p50 {duration(overall.to_private_p50)}",
        f"Satisfaction (CSAT, asked privately when a case closed; 4 or 5 is satisfied): {csat_figures(overall)}",
    ]
    for dimension, title in _BY:
        parts = [
            f"{networks.get(r.key, r.key) if dimension == 'network' else r.key}: {csat_figures(r)}"
            for r in rows
            if r.dimension == dimension and r.asked
        ]
        if parts:
            lines.append(f"{title}: " + "; ".join(parts))
    return tuple(lines)
