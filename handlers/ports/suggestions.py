"""Ports of suggested replies: the index of past replies, and the history it learns from."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Protocol

from handlers.domain.suggestions import AnsweredCase, Match, PastReply


class ReplyIndex(Protocol):
    """Past complaints by brand, searchable by what a new complaint says."""

    def nearest(self, brand: str, text: str, k: int) -> list[Match]:
        """Up to `k` past replies of `brand` whose complaints are nearest `text`, nearest first."""
        ...

    def size(self, brand: str) -> int:
        """How many past replies of `brand` the index holds."""
        ...


class ReplyHistory(Protocol):
    """Where past replies are kept: imported ones (already scrubbed) and our own answered cases (as sent)."""

    def imported(self) -> Iterator[PastReply]:
        """Every imported past reply."""
        ...

    def answered(self) -> Iterator[AnsweredCase]:
        """Every case of ours whose public reply went out."""
        ...

    def add(self, replies: Sequence[PastReply], origin: str) -> int:
        """Keep imported past replies (a second import of the same ones adds nothing); how many were new."""
        ...

    def stamp(self) -> Hashable:
        """A value that changes whenever the history does (a new answered case, an import)."""
        ...
