"""PostgreSQL advisory lock keys: 64-bit numbers named in one place, so that no two uses collide."""

from __future__ import annotations

import hashlib

LEASING_LOCK = 0x5351_4B59_4C45_4153  # "SQKYLEAS": leasing outbox messages, one executor at a time
INTAKE_LOCK = 0x5351_4B59_494E_544B  # "SQKYINTK": intake, shared by each transaction, exclusive for a big one
MAX_THREAD_LOCKS = 512  # threading keys one intake transaction locks one by one; more, and it takes INTAKE_LOCK


def advisory_key(name: str) -> int:
    """A name's advisory lock key: a signed 64-bit hash (a collision only makes two unrelated threads wait)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
