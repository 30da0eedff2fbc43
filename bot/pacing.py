"""The one pacer: every call to an outside service takes a slot of that service's documented windows first, waits out
the service's own throttling answers, and retries what may pass with one backoff policy.

A service's limits are data: a `Lane` (a key, and a scope such as a channel or a conversation)
holds one or more `Window`s (at most `calls` in any `seconds`, a call costing `cost` points;
a moving window, or a token bucket where the service allows refilled bursts). A window with a
`reserve` keeps its last slots for what a person is waiting on (the update of a card somebody
just acted on, an answer to a person, a VIP's card, a page): an ordinary call, such as a new
card in a storm, leaves them; an urgent one may take them. So a flood of new cards never spends
the slots a claim's update needs, in any window of the lane. Slots come from the shared
limiter (storage.rate_limit: in Redis across every process, in memory without Redis), so three
workers keep the pace one would, and a 429 pauses the lane in every process for as long as the
service said (`pause`). The throttling headers (Retry-After in seconds or as an HTTP date,
`x-rate-limit-reset`, `RateLimit-Reset` / `ratelimit-reset`, in seconds, epoch seconds or ISO)
are read in one place, `wait_from`; a service's own count of its window (X's `x-rate-limit-remaining`, Bluesky's and
Mastodon's `RateLimit-Remaining`), read off every answer by `left_from`, holds the lane back before the service
would refuse (`heed`), so the pace survives a loss of our own counts.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import DeliveryFailed
from storage.rate_limit import WindowRateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

SHORT_WAIT_SECONDS = 0.05  # a wait this short is slept; a longer one is handed back to the caller
_EPOCH_AFTER = 1_000_000_000.0  # a reset value this large is an instant (epoch seconds), not a number of seconds


class RateLimited(Exception):
    """The service asked us to wait (a 429 and its reset header)."""

    def __init__(self, service: str, seconds: float) -> None:
        super().__init__(f"{service} asks us to wait {seconds:.0f}s")
        self.seconds = seconds


class Unavailable(Exception):
    """The service failed or did not answer (5xx, a timeout) through every retry."""


class Refused(Exception):
    """The service refused our credentials or request: retrying will not help until someone fixes a setting."""


@dataclass(frozen=True)
class Window:
    """At most `calls` points in any `seconds`, a call costing `cost`; `reserve` calls kept for urgent ones."""

    calls: int
    seconds: float
    cost: int = 1
    reserve: int = 0
    suffix: str = ""  # a lane's second and later windows are counted under their own key
    bucket: bool = False  # a token bucket (refilled bursts, as Slack's posting), not a moving window

    @property
    def burst(self) -> int:
        """How many calls fit in the window."""
        return max(1, self.calls // self.cost)

    @property
    def yielding_keep(self) -> int:
        """What a call that gives way (a thread line) leaves: the reserve and half of the rest, for card updates."""
        return self.reserve + (self.burst - self.reserve) // 2

    @property
    def per_second(self) -> float:
        """The steady pace the window allows, in calls a second."""
        return self.burst / self.seconds


@dataclass(frozen=True)
class Lane:
    """One budget of an outside service: its key (a scope such as a channel is added per call) and its windows."""

    service: str
    key: str
    windows: tuple[Window, ...]

    def key_for(self, scope: str = "", window: Window | None = None) -> str:
        """The limiter key of the lane in `scope`, for `window` (its first window when None)."""
        base = f"{self.key}:{scope}" if scope else self.key
        return base + (window.suffix if window is not None else "")

    @property
    def ordinary_per_second(self) -> float:
        """The steady pace left to ordinary calls (new cards) once every window's reserve is kept."""
        return min(w.per_second if w.bucket else max(1, w.burst - w.reserve) / w.seconds for w in self.windows)

    def at_pace(self, per_second: float, burst: int | None = None) -> Lane:
        """The lane with its first window moved to `per_second` (a setting), its other windows scaled alike."""
        first = self.windows[0]
        scale = per_second / first.per_second
        calls = burst if burst is not None else max(1, round(first.burst * scale))
        moved = replace(first, calls=calls * first.cost, seconds=calls / per_second)
        rest = tuple(replace(w, calls=max(w.cost, round(w.calls * scale))) for w in self.windows[1:])
        return replace(self, windows=(moved, *rest))


def _one(calls: int, seconds: float, *, cost: int = 1, reserve: int = 0, bucket: bool = False) -> tuple[Window, ...]:
    return (Window(calls, seconds, cost=cost, reserve=reserve, bucket=bucket),)


# Each service's documented limits.
LANES: dict[str, Lane] = {
    # Slack: chat.postMessage about 1 a second per channel with short bursts (the burst's last slot kept for VIP
    # cards and answers to a person); chat.update Tier 3 (about 50 a minute per workspace: its last slots kept for
    # the cards somebody just acted on, not the storm summary's redraws); conversations.history as the app's
    # distribution allows.
    "slack.post": Lane("Slack", "slack:post", _one(2, 2.0, reserve=1, bucket=True)),
    # 48 a minute in bursts of 8: never more than 50 in any minute, however the bursts fall (10 in 12.5 s could)
    "slack.update": Lane("Slack", "slack:update", _one(8, 10.0, reserve=3)),
    "slack.history": Lane("Slack", "slack:history", _one(5, 6.0)),
    # Teams: 7 a second, 8 in 2 s and 60 in 30 s per conversation; about 50 a second per tenant. New cards leave
    # each window's last slots to updates of cards somebody acted on, answers to a person and VIP cards: 12 of the
    # 30 s window's 60 (a claim a few seconds) and 2 of every shorter one.
    "teams.conversation": Lane(
        "Teams",
        "teams:conversation",
        (
            Window(7, 1.0, reserve=2),
            Window(8, 2.0, reserve=2, suffix=":2s"),
            Window(60, 30.0, reserve=12, suffix=":30s"),
        ),
    ),
    "teams.tenant": Lane("Teams", "teams:tenant", _one(50, 1.0, reserve=10)),
    # X API v2: 450 reads in 15 minutes per app (mentions, recent search); 100 posts in 15 minutes per user.
    "x.mentions": Lane("X", "x:app:mentions", _one(450, 900.0)),
    "x.search": Lane("X", "x:app:search", _one(450, 900.0)),
    "x.post": Lane("X", "x:user:post", _one(100, 900.0)),
    # X direct messages: 200 sends in 15 minutes and 1,000 a day per user, apart from posts.
    "x.dm": Lane("X", "x:user:dm", (Window(200, 900.0), Window(1000, 86400.0, suffix=":day"))),
    "x.dm_read": Lane("X", "x:user:dm_read", _one(300, 900.0)),  # reading DM events, billed per event read
    # Bluesky: 3,000 requests in 5 minutes per IP; 5,000 write points an hour, a create costing 3; createSession 30
    # in 5 minutes.
    "bluesky.requests": Lane("Bluesky", "bluesky:requests", _one(3000, 300.0)),
    "bluesky.create": Lane("Bluesky", "bluesky:writes", _one(5000, 3600.0, cost=3)),
    "bluesky.session": Lane("Bluesky", "bluesky:session", _one(30, 300.0)),
    # Mastodon: 300 requests in 5 minutes per account (and per IP); 300 statuses in 3 hours per account.
    "mastodon.requests": Lane("Mastodon", "mastodon:requests", _one(300, 300.0)),
    "mastodon.post": Lane("Mastodon", "mastodon:post", _one(300, 3 * 3600.0)),
    # A drafting model (chat completions): its limits depend on the account, so LLM_REQUESTS_PER_MINUTE sets the pace.
    "llm.chat": Lane("LLM", "llm:chat", _one(60, 60.0)),
}


def _seconds_from(value: str, now: float) -> float | None:
    """One header value as seconds from `now`: a number of seconds, epoch seconds, an HTTP date or an ISO time."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:
            return None  # no service asks for a negative or endless wait: unreadable, so the fallback
        return number - now if number >= _EPOCH_AFTER else number
    for parse in (parsedate_to_datetime, lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))):
        try:
            moment = parse(value)
        except (TypeError, ValueError, IndexError):
            continue
        if moment.tzinfo is not None:
            return moment.timestamp() - now
    return None


_WAIT_HEADERS = ("retry-after", "x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset")


LONGEST_WAIT = 3600.0  # a throttling answer asking for longer (a wrong clock, a hostile header) is taken as this


def wait_from(headers: Mapping[str, str] | None, now: float | None = None, fallback: float = 60.0) -> float:
    """How long a throttling answer asked us to wait, in seconds (1 to LONGEST_WAIT): from Retry-After (seconds or an
    HTTP date), x-rate-limit-reset (X: epoch seconds), RateLimit-Reset (seconds, or epoch seconds as Bluesky sends) or
    X-RateLimit-Reset (Mastodon: ISO); `fallback` when none is there or none reads."""
    found = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    at = time.time() if now is None else now
    for name in _WAIT_HEADERS:
        if name in found and (seconds := _seconds_from(found[name], at)) is not None:
            return min(max(1.0, seconds), LONGEST_WAIT)
    return fallback


_LEFT_HEADERS = (
    ("x-rate-limit-remaining", "x-rate-limit-reset"),  # X
    ("ratelimit-remaining", "ratelimit-reset"),  # Bluesky
    ("x-ratelimit-remaining", "x-ratelimit-reset"),  # Mastodon
)


def left_from(headers: Mapping[str, str] | None, now: float | None = None) -> tuple[int, float] | None:
    """The service's own count of its window, as an answer states it: how many calls are left and the seconds until
    the window resets; None when the answer does not say (or says it unreadably)."""
    found = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    at = time.time() if now is None else now
    for remaining, reset in _LEFT_HEADERS:
        if remaining in found and reset in found:
            try:
                left = int(found[remaining].strip())
            except ValueError:
                return None
            seconds = _seconds_from(found[reset], at)
            if left < 0 or seconds is None:
                return None
            return left, min(max(0.0, seconds), LONGEST_WAIT)
    return None


def until_epoch(reset: float | None, now: float | None = None, fallback: float = 60.0) -> float:
    """The seconds until `reset` (epoch seconds, as a client library already read it), at least 1."""
    if reset is None:
        return fallback
    return wait_from({"ratelimit-reset": str(reset)}, now, fallback)


def backoff(failures: int, cap: float, first: float = 1.0) -> float:
    """The wait after `failures` failures in a row: doubling from `first`, never more than `cap`."""
    return float(min(cap, first * 2.0 ** max(0, failures - 1)))


class Pacer:
    """Slots of the lanes' windows from the shared limiter, the lanes' pauses, and the retry policy."""

    def __init__(self, limiter: RateLimiter, stop: threading.Event | None = None) -> None:
        self._limiter = limiter
        self._stop = stop or threading.Event()

    def ask(self, lane: Lane, scope: str = "", *, urgent: bool = False, yielding: bool = False) -> float:
        """Take a slot of every window of the lane: 0 if taken, else the seconds to wait before asking again. An
        urgent call may take the reserve; a yielding one (a line in a card's thread) leaves half of what is above it
        too, so in a busy conversation the updates of the cards people act on go first."""
        for window in lane.windows:
            key = lane.key_for(scope, window)
            keep = 0 if urgent else window.yielding_keep if yielding else window.reserve
            if window.bucket:
                wait = self._limiter.take(key, window.per_second, window.burst, keep)
            else:
                wait = self._limiter.acquire(key, window.per_second, window.burst, keep)
            if wait > 0:
                return wait
        return 0.0

    def slot(self, lane: Lane, scope: str = "", *, urgent: bool = False, yielding: bool = False) -> float:
        """A slot now, or after a wait too short to hand back (slept); else the seconds the caller must wait."""
        wait = self.ask(lane, scope, urgent=urgent, yielding=yielding)
        if 0 < wait <= SHORT_WAIT_SECONDS:
            time.sleep(wait)
            wait = self.ask(lane, scope, urgent=urgent, yielding=yielding)
        return wait

    def wait(self, lane: Lane, scope: str = "", *, urgent: bool = False, what: str = "") -> None:
        """Block until the lane gives a slot; InterruptedError when stopping meanwhile."""
        while (wait := self.ask(lane, scope, urgent=urgent)) > 0:
            log.info("pacing %s: next %s request in %.0fs", what or lane.key_for(scope), lane.service, wait)
            self.sleep(wait)

    def heed(self, lane: Lane, scope: str, left: int, reset_in: float) -> None:
        """The service's own count, read off an answer: `left` calls until its window resets in `reset_in` s. Our
        counts can be lost (a Redis restarted empty) and its window may be fixed where ours moves, so once its last
        tenth is reached the lane waits in every process, so that what is left lasts until the reset (none left:
        until the reset). Bursts inside the rest of the window pass as the service allows them."""
        if reset_in <= 0 or left > lane.windows[0].burst // 10:
            return
        self.pause(lane, scope, reset_in / (left + 1))

    def pause(self, lane: Lane, scope: str, seconds: float) -> None:
        """Hold the lane back in every process for `seconds` (the service said so); a longer hold stands."""
        self._limiter.block(lane.key_for(scope), seconds)

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or raise InterruptedError when stopping meanwhile."""
        if self._stop.wait(seconds):
            raise InterruptedError("stopping")

    def retrying(
        self, call: Callable[[], T], transient: Callable[[Exception], bool], *, attempts: int = 4, first: float = 0.5
    ) -> T:
        """`call()`, retried with jittered exponential backoff while `transient(exc)` says the failure may pass (5xx,
        a timeout); the last failure is raised as Unavailable."""
        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, Exception) and transient(exc)),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential_jitter(multiplier=first, max=30, jitter=first),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(call)
        except Exception as exc:
            if transient(exc):
                raise Unavailable(f"{exc.__class__.__name__} after {attempts} tries") from exc
            raise

    def call(
        self,
        lane: Lane,
        call: Callable[[], T],
        transient: Callable[[Exception], bool],
        *,
        scope: str = "",
        attempts: int = 4,
        first: float = 0.5,
    ) -> T:
        """Wait for a slot of the lane, then `call()` with the retry policy (each retry takes a slot too)."""

        def paced() -> T:
            self.wait(lane, scope)
            return call()

        return self.retrying(paced, transient, attempts=attempts, first=first)


def patiently(call: Callable[[], T], patience: float, sleep: Callable[[float], None] = time.sleep) -> T:
    """`call()` for something a person is waiting on and that has no outbox message to come back to: a throttled or
    failed try (DeliveryFailed) is waited out and made again for up to `patience` seconds; a permanent refusal, or a
    wait past the patience, is raised."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return call()
        except DeliveryFailed as exc:
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            if exc.permanent or time.monotonic() + wait > deadline:
                raise
            sleep(wait)


def local_pacer(stop: threading.Event | None = None) -> Pacer:
    """A pacer counting in this process only (without Redis, and for one-off reads)."""
    return Pacer(WindowRateLimiter("memory://"), stop)
