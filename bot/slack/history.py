"""Finding a card after a post whose answer was lost, without depending on Slack's history.

Before each chat.postMessage of a card, the gateway records the moment in the shared values;
when Slack answers, it records what the answer said: the message's timestamp, or that nothing
was posted. A retry then knows the card's place from the record alone. Only a post left
uncertain (a timeout, the network, Slack's 5xx) needs conversations.history, and then only a
window of seconds around the recorded moment, paced within the limits of the app's
distribution: since 2025-05-29 a commercially distributed app that is not approved for the
Slack Marketplace may call it once a minute with at most 15 messages (internal and Marketplace
apps are exempt, Tier 3). With no record at all (Redis lost, or an in-process record lost with
its process) the history since the complaint arrived is read, within the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

INTERNAL, MARKETPLACE, DISTRIBUTED = "internal", "marketplace", "distributed"
RECORD_TTL_SECONDS = 86_400.0  # longer than any outbox retry waits
BEFORE_SECONDS = 2.0  # Slack's clock against ours
AFTER_SECONDS = 12.0  # the post's timeout (10 s) and Slack's clock against ours
NOTHING = "none"  # the last try surely posted nothing (Slack answered with an error)
SENDING, POSTED = "sending:", "posted:"


@dataclass(frozen=True)
class HistoryLimits:
    """How often conversations.history may be called in the workspace, and how many messages a call gives."""

    per_second: float
    burst: int
    page: int


def history_limits(distribution: str) -> HistoryLimits:
    """The documented limits for the app's distribution: a distributed non-Marketplace app's 1 call a minute and
    15 messages; Tier 3 (50+ a minute) and pages of 200 (Slack's advice) for internal and Marketplace apps."""
    if distribution == DISTRIBUTED:
        return HistoryLimits(per_second=1 / 60, burst=1, page=15)
    return HistoryLimits(per_second=50 / 60, burst=5, page=200)


def record_key(channel: str, complaint_id: int) -> str:
    """Where the post of this complaint's card in this channel is recorded."""
    return f"slack:card-post:{channel}:{complaint_id}"


def sending(at: float) -> str:
    """The record before the post: its moment."""
    return f"{SENDING}{at:.6f}"


def posted(ts: str) -> str:
    """The record of a post Slack answered: the message's timestamp."""
    return f"{POSTED}{ts}"


@dataclass(frozen=True)
class Recorded:
    """What a record says: the message's timestamp, nothing posted, or the moment an uncertain post was sent."""

    ts: str | None = None
    nothing: bool = False
    sent_at: float | None = None


def read_record(value: str | None) -> Recorded | None:
    """A record as stored; None when there is none (or it is not one of ours)."""
    if value is None:
        return None
    if value == NOTHING:
        return Recorded(nothing=True)
    if value.startswith(POSTED):
        return Recorded(ts=value.removeprefix(POSTED))
    if value.startswith(SENDING):
        try:
            return Recorded(sent_at=float(value.removeprefix(SENDING)))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Swept:
    """A read of a channel's whole history since `oldest`, begun at `started` (epoch seconds): its cards by
    complaint. `complete` unless it stopped at its page limit."""

    oldest: float
    started: float
    cards: dict[int, str]
    complete: bool

    def answers(self, since: float, tried_before: datetime | None) -> bool:
        """Whether this read tells for sure if a card posted after `since` by a try begun before `tried_before` is
        there: it covers `since`, was whole, and began after every such try."""
        return (
            self.complete
            and tried_before is not None
            and self.oldest <= since
            and self.started >= tried_before.timestamp()
        )


def cards_in(messages: list[dict[str, Any]], event_type: str) -> dict[int, str]:
    """The cards among a page of messages: complaint id -> the message's ts, from the card's metadata."""
    found: dict[int, str] = {}
    for message in messages:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        complaint_id = payload.get("complaint_id")
        if metadata.get("event_type") == event_type and isinstance(complaint_id, int) and message.get("ts"):
            found[complaint_id] = str(message["ts"])
    return found
