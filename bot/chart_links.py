"""Short-lived signed links to a stats chart or a cases export, for chat tools that load a file by its address (Teams):
the link names the period and queue, and its signature covers them and what it opens."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from handlers.domain.stats import Period

CHART_PATH = "/charts/stats.png"
EXPORT_PATH = "/exports/cases.csv"
LIFE = {CHART_PATH: timedelta(hours=24), EXPORT_PATH: timedelta(hours=1)}  # a card keeps its image for a day


def _signature(secret: str, path: str, start: int, end: int, label: str, zone: str, queue: str, expires: int) -> str:
    message = f"{path}:{start}:{end}:{label}:{zone}:{queue}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_link(base_url: str, path: str, secret: str, period: Period, now: datetime, queue: str | None = None) -> str:
    """The address of what `path` serves for `period` (and `queue`), good for its LIFE."""
    start, end = math.floor(period.start.timestamp()), math.ceil(period.end.timestamp())  # whole seconds, covering it
    expires = int((now + LIFE[path]).timestamp())
    sig = _signature(secret, path, start, end, period.label, period.timezone, queue or "", expires)
    query = {"start": start, "end": end, "label": period.label, "tz": period.timezone, "expires": expires}
    query |= ({"queue": queue} if queue else {}) | {"sig": sig}
    return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"


def chart_link(base_url: str, secret: str, period: Period, now: datetime, queue: str | None = None) -> str:
    """The address of `period`'s chart (of one queue), good for a day."""
    return signed_link(base_url, CHART_PATH, secret, period, now, queue)


def signed_period(secret: str, path: str, query: dict[str, str], now: datetime) -> tuple[Period, str | None] | None:
    """The period and queue a link to `path` names, if it is signed and current; None for anything else."""
    try:
        start, end, expires = int(query["start"]), int(query["end"]), int(query["expires"])
        label, zone, sig = query["label"][:100], query["tz"][:64], query["sig"]
        queue = query.get("queue", "")[:32]
    except (KeyError, ValueError):
        return None
    expected = _signature(secret, path, start, end, label, zone, queue, expires)
    if expires < now.timestamp() or not hmac.compare_digest(expected, sig):
        return None
    period = Period(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), label, zone)
    return period, queue or None
