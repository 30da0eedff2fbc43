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
    """One line naming which server is unreachable."""
    if isinstance(exc, redis.exceptions.RedisError):
        return f"Redis is unreachable ({exc.__class__.__name__})"
    return f"the database is unreachable ({exc.__class__.__name__})"
