"""Which errors mean a server we depend on is unreachable (an outage to wait out, not a bug to report)."""

from __future__ import annotations

import redis
import sqlalchemy.exc

OUTAGES: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def describe_outage(exc: BaseException) -> str:
    """One line naming which server is unreachable (`exc` may carry the outage as its `outage`)."""
    exc = getattr(exc, "outage", exc)
    if isinstance(exc, redis.exceptions.RedisError):
        return f"Redis is unreachable ({exc.__class__.__name__})"
    return f"the database is unreachable ({exc.__class__.__name__})"


def not_through(exc: BaseException, again: str = "click again") -> str:
    """What to tell the person whose click or form an outage (or an unexpected failure) stopped: it did not go
    through, and they may try again."""
    if isinstance(exc, redis.exceptions.RedisError):
        why = "Squeaky cannot reach its queue just now"
    elif isinstance(exc, OUTAGES):
        why = "Squeaky cannot reach its database just now"
    else:
        why = "something went wrong on our side"
    return f"That did not go through: {why}. Please {again} in a moment."
