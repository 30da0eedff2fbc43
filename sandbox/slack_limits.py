"""Slack's limits, enforced by the local Slack: about one message a second per channel, with short bursts
(chat.postMessage); chat.update's Tier 3, about 50 a minute per workspace; conversations.history for a distributed app.

A call over the limit is answered as Slack answers it: HTTP 429, `{"ok": false, "error": "ratelimited"}` and a
Retry-After header in whole seconds. Every 429 is remembered, and so is every call that came back to the same
channel before its Retry-After had passed: a client that honours Retry-After makes none.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

_CLOCK_SLACK = 0.05  # the client's clock and ours are read at slightly different moments


@dataclass
class Refusal:
    """One 429: the channel, when, and until when the client was told to wait."""

    channel: str
    at: float
    retry_after: int

    @property
    def until(self) -> float:
        """When the client may call again."""
        return self.at + self.retry_after


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class ChannelPostLimit:
    """A token bucket per channel for chat.postMessage: `per_second` refill, `burst` at most."""

    per_second: float = 1.0
    burst: int = 2
    refusals: list[Refusal] = field(default_factory=list)
    early_calls: list[tuple[str, float]] = field(default_factory=list)  # calls made inside a Retry-After window
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, channel: str, now: float | None = None) -> int | None:
        """None if this post may go now; else the whole seconds to wait (the Retry-After to answer)."""
        now = time.time() if now is None else now
        with self._lock:
            last = next((r for r in reversed(self.refusals) if r.channel == channel), None)
            if last is not None and now < last.until - _CLOCK_SLACK:
                self.early_calls.append((channel, now))
            bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.per_second)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))
            self.refusals.append(Refusal(channel, now, retry_after))
            return retry_after

    @property
    def honoured(self) -> bool:
        """Whether every Retry-After was waited out."""
        with self._lock:
            return not self.early_calls


@dataclass
class HistoryLimit:
    """conversations.history and conversations.replies for a commercially distributed app not approved for the
    Slack Marketplace (since 2025-05-29): one call a minute per method, at most 15 messages a call (`limit` above 15
    is cut to 15). Internal and Marketplace apps are exempt: leave the stand-in's `history_limit` unset for them."""

    per_minute: int = 1
    most: int = 15
    refusals: list[Refusal] = field(default_factory=list)
    _calls: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, method: str, now: float | None = None) -> int | None:
        """None if this call may go now; else the whole seconds to wait (the Retry-After to answer)."""
        now = time.time() if now is None else now
        with self._lock:
            recent = [at for at in self._calls.get(method, []) if now - at < 60.0]
            if len(recent) >= self.per_minute:
                retry_after = max(1, math.ceil(60.0 - (now - recent[0])))
                self.refusals.append(Refusal(method, now, retry_after))
                return retry_after
            self._calls[method] = [*recent, now]
            return None


@dataclass
class UpdateLimit:
    """chat.update, Tier 3: at most `per_minute` calls in any 60 seconds per workspace (Slack: "50+ per minute",
    bursts allowed inside the minute). Past it, the Retry-After is the whole seconds until the oldest call of the
    minute leaves it."""

    per_minute: int = 50
    refusals: list[Refusal] = field(default_factory=list)
    early_calls: list[tuple[str, float]] = field(default_factory=list)  # calls made inside a Retry-After window
    _calls: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, workspace: str = "", now: float | None = None) -> int | None:
        """None if this update may go now; else the whole seconds to wait (the Retry-After to answer)."""
        now = time.time() if now is None else now
        with self._lock:
            if self.refusals and now < self.refusals[-1].until - _CLOCK_SLACK:
                self.early_calls.append((workspace, now))
            self._calls = [at for at in self._calls if now - at < 60.0]
            if len(self._calls) >= self.per_minute:
                retry_after = max(1, math.ceil(60.0 - (now - self._calls[0])))
                self.refusals.append(Refusal(workspace, now, retry_after))
                return retry_after
            self._calls.append(now)
            return None

    @property
    def honoured(self) -> bool:
        """Whether every Retry-After was waited out."""
        with self._lock:
            return not self.early_calls
