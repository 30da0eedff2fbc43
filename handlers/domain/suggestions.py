"""Suggested replies as data: a past complaint and the brand's first public reply to it, and a near match."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PastReply:
    """A past complaint to one brand and the brand's first public reply, the reply already scrubbed of anything
    specific to that customer (placeholders {name}, {case}, {dm_link} stand where those were)."""

    brand: str
    complaint: str
    reply: str


@dataclass(frozen=True)
class AnsweredCase:
    """One of our own answered cases, as sent: what the customer wrote, our reply, and what to scrub from it."""

    brand: str
    case_id: int
    complaint: str
    reply: str
    author_handle: str
    author_name: str


@dataclass(frozen=True)
class Match:
    """A past reply whose complaint is near a new one, and how near (cosine similarity, 0 to 1)."""

    reply: str
    score: float
