"""Charts for team leads, drawn with matplotlib (no display needed): volume and time to acknowledge over a period."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from handlers.domain.stats import Period, SeriesPoint
from handlers.ports.unit_of_work import UnitOfWorkFactory

_BAR = "#4A90D9"
_LINE = "#D9534F"


def volume_and_ack_chart(period: Period, series: list[SeriesPoint], timezone: str = "UTC") -> bytes:
    """A PNG: complaints received per step (bars) and the median minutes to acknowledge them (line)."""
    # Imported here: matplotlib takes over half a second to import, and only the web process ever draws.
    # The object API (Figure, not pyplot) draws in memory with no display and no global state, so threads may share it.
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    zone = ZoneInfo(timezone)
    figure = Figure(figsize=(8, 3.6), dpi=100)
    volume = figure.add_subplot()
    times = [float(date2num(p.at.astimezone(zone).replace(tzinfo=None))) for p in series]  # type: ignore[no-untyped-call]
    width = period.bucket.total_seconds() / 86400 * 0.8
    volume.bar(times, [point.received for point in series], width=width, color=_BAR, label="complaints received")
    volume.set_ylabel("complaints", color=_BAR)
    volume.set_title(f"Complaints and time to acknowledge, {period.label}", fontsize=11)
    ack = volume.twinx()
    acked = [(t, p.ack_p50 / 60) for t, p in zip(times, series, strict=True) if p.ack_p50 is not None]
    if acked:
        ack.plot([t for t, _ in acked], [m for _, m in acked], color=_LINE, marker="o", markersize=3, linewidth=1.5)
    ack.set_ylabel("median minutes to acknowledge", color=_LINE)
    ack.set_ylim(bottom=0)
    volume.xaxis_date()
    fmt = "%H:%M" if period.bucket.total_seconds() < 86400 else "%d %b"
    volume.xaxis.set_major_formatter(DateFormatter(fmt))  # type: ignore[no-untyped-call]
    volume.spines[["top"]].set_visible(False)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def period_chart(uow_factory: UnitOfWorkFactory, period: Period, timezone: str, queue: str | None = None) -> bytes:
    """Read the period's series (of one queue, or of all) from storage and draw it."""
    with uow_factory() as uow:
        series = uow.stats.series(period, queue)
    return volume_and_ack_chart(period, series, timezone)
