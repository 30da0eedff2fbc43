"""Ports for noticing a surge of similar complaints: text fingerprints, and the runs of each fingerprint per queue
(kept in the database, so that every worker counts into the same runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from handlers.domain.storm import Surge


class Fingerprints(Protocol):
    """Near-duplicate keys of a text: two texts that share a key are likely near duplicates (and the more alike,
    the likelier); a text too short to judge has none."""

    def keys(self, text: str) -> tuple[str, ...]:
        """The text's keys, each at most 24 characters, without spaces."""
        ...

    def keys_many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Each text's keys, as `keys` gives them (a batch at once: the cost is per batch, not per text)."""
        ...


class Surges(Protocol):
    """Runs of similar complaints per queue and key."""

    def add(self, seen: Mapping[tuple[str, str], tuple[int, str, str]], now: datetime, quiet: timedelta) -> list[Surge]:
        """Count `seen` ((queue, key) -> (how many, an example's words and keys)) into their runs at `now`: a run
        quiet for longer than `quiet` starts again. Return the runs as they stand."""
        ...

    def of(self, queue: str, band: str) -> Surge | None:
        """One run, if it is still kept."""
        ...

    def forget_before(self, cutoff: datetime) -> int:
        """Forget the runs last seen before `cutoff`; return how many."""
        ...

    def arrived(self, counts: Mapping[str, int], now: datetime, kept: timedelta) -> None:
        """Count the complaints that opened a case on each queue at `now` (queue -> how many); forget those counted
        longer than `kept` ago."""
        ...

    def received_since(self, queue: str, since: datetime) -> int:
        """How many complaints opened a case on `queue` since `since` (the queue's usual rate), as `arrived` counted
        them."""
        ...

    def waiting_in(self, queue: str, keys: str) -> int:
        """How many complaints sharing one of `keys` (space-separated) wait for an owner on `queue`."""
        ...
