"""Short-lived signed links to a stats chart, for chat tools that load a card's image by its address (Teams)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from handlers.team.stats import Period

CHART_PATH = "/charts/stats.png"
LIFE = timedelta(hours=24)  # a card keeps its image this long


def _signature(secret: str, start: int, end: int, label: str, zone: str, expires: int) -> str:
    message = f"chart:{start}:{end}:{label}:{zone}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def chart_link(base_url: str, secret: str, period: Period, now: datetime) -> str:
    """The address of `period`'s chart, good for a day."""
    start, end, expires = int(period.start.timestamp()), int(period.end.timestamp()), int((now + LIFE).timestamp())
    sig = _signature(secret, start, end, period.label, period.timezone, expires)
    query = {"start": start, "end": end, "label": period.label, "tz": period.timezone, "expires": expires, "sig": sig}
    return f"{base_url.rstrip('/')}{CHART_PATH}?{urlencode(query)}"


def period_of(secret: str, query: dict[str, str], now: datetime) -> Period | None:
    """The period a chart link names, if it is signed and current; None for anything else."""
    try:
        start, end, expires = int(query["start"]), int(query["end"]), int(query["expires"])
        label, zone, sig = query["label"][:100], query["tz"][:64], query["sig"]
    except (KeyError, ValueError):
        return None
    if expires < now.timestamp() or not hmac.compare_digest(_signature(secret, start, end, label, zone, expires), sig):
        return None
    return Period(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), label, zone)
