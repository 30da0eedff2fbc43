"""What streams in during a drill: real complaints (twcs rows from ../shared/data/twcs_dev.csv when present, the
generated corpus of bench/corpus.py otherwise) posted as mentions of the brand at a steady pace: most on the local X,
one in five on the local Bluesky and one in five on the local Mastodon."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import corpus
from bot.sources.twcs import read_twcs
from handlers.domain.complaint import IncomingComplaint
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.x_api import LocalX

QUIET_QUERY = "squeakyrail"  # an X search polled from the start that returns nothing until a drill's posts arrive
TWCS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "twcs_dev.csv"


def source_file() -> Path:
    """The real twcs file when it is there, else the generated corpus."""
    return TWCS if TWCS.is_file() else corpus.path()


def complaint_texts(total: int) -> list[str]:
    """`total` customers' opening posts (not brands' answers, not follow-ups), many brands, repeated if need be."""
    texts = [
        p.text
        for p in read_twcs(source_file())
        if isinstance(p, IncomingComplaint) and not p.from_brand and not p.in_reply_to_id and len(p.text) > 20
    ]
    if not texts:
        raise RuntimeError(f"no customer posts in {source_file()}")
    return [texts[n % len(texts)] for n in range(total)]


@dataclass
class Stream:
    """Posts tweeted at the brand on the local X; each one's tweet id, by drill."""

    x: LocalX
    texts: list[str]
    bluesky: LocalBluesky | None = None
    mastodon: LocalMastodon | None = None
    sent: dict[str, list[str]] = field(default_factory=dict)  # drill -> tweet ids
    quiet: set[str] = field(default_factory=set)  # tweet ids posted to the quiet search
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tweet(self, drill: str) -> str:
        """Post the next complaint on X as a new customer; return its tweet id."""
        return self.post(drill, only_x=True)

    def post(self, drill: str, *, only_x: bool = False) -> str:
        """Post the next complaint as a new customer, on X or (one in five each) Bluesky or Mastodon; return the id
        the network gives it (what Squeaky stores as the post's external id)."""
        with self._lock:
            n = self._next
            self._next += 1
        text = self.texts[n % len(self.texts)].replace("\n", " ")
        if not only_x and self.bluesky is not None and n % 5 == 3:
            view = self.bluesky.add_post(f"cust{n:05d}.bsky.social", f"@{self.bluesky.brand} {text}"[:290])
            tweet_id = str(view["uri"])
        elif not only_x and self.mastodon is not None and n % 5 == 4:
            status = self.mastodon.add_status(f"cust{n:05d}@social.example", f"@{self.mastodon.brand} {text}"[:480])
            tweet_id = str(status["id"])
        else:
            posted = self.x.add_tweet(f"cust{n:05d}", f"@{self.x.brand} {text}"[:270])
            tweet_id = str(posted["id"])
        with self._lock:
            self.sent.setdefault(drill, []).append(tweet_id)
        return tweet_id

    def tweet_quiet(self, drill: str) -> str:
        """Post the next complaint to the quiet search (naming no brand account); return its tweet id."""
        with self._lock:
            n = self._next
            self._next += 1
        text = self.texts[n % len(self.texts)].replace("\n", " ")
        posted = self.x.add_tweet(f"cust{n:05d}", f"{QUIET_QUERY} {text}"[:270])
        tweet_id = str(posted["id"])
        with self._lock:
            self.sent.setdefault(drill, []).append(tweet_id)
            self.quiet.add(tweet_id)
        return tweet_id

    def steady(self, drill: str, count: int, seconds: float, stop: threading.Event | None = None) -> threading.Thread:
        """Tweet `count` posts evenly over `seconds`, on a thread of its own."""

        def run() -> None:
            started = time.monotonic()
            for k in range(count):
                if stop is not None and stop.is_set():
                    return
                time.sleep(max(0.0, started + k * seconds / max(count, 1) - time.monotonic()))
                self.post(drill)

        thread = threading.Thread(target=run, name=f"stream-{drill}", daemon=True)
        thread.start()
        return thread
