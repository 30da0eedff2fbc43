"""Suggested replies, measured: how often the brand's actual reply is among the top 3 suggestions on conversations the
index never saw, beside a baseline; how long one suggestion takes with 100,000 past cases; build time and memory.

Quality: the twcs file's customer posts paired with the brand's first reply (scrubbed, as an import keeps them),
split per brand in time order: the first 80% teach the index, the last 20% are asked. A suggestion "hits" when its
TF-IDF cosine with the actual reply (word uni- and bigrams, fitted on every brand's training replies) is at least
0.5: the same message in other words counts, a different message does not. Brands with fewer than 5 pairs are
left out (nothing to learn from). The baseline suggests each brand's 3 most common training replies to every
complaint. Latency: Suggester.for_complaint (nearest neighbours, dedupe, fill) with one brand holding 100,000 past
cases made from the file's complaints (each with a few words of another), asked 1,000 unseen complaints; memory is
the process's resident size added by building that index.

What the figures say: on this slice (about 23 past replies a brand) the nearest past complaints' replies hit no
more often than the brand's three most common replies: so small a history does not beat the baseline. Speed is well
inside Slack's 3 s: the index is an inverted index (n-gram -> complaints), so a query touches only the postings of
its own n-grams.
"""

from __future__ import annotations

import gc
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bench.percentiles import percentile
from bot.sources.twcs import read_twcs
from handlers.domain.complaint import Complaint, IncomingComplaint, Status
from handlers.domain.suggestions import PastReply
from handlers.suggestions.history import imported
from handlers.suggestions.suggest import TOP, Suggester
from storage.suggestions.tfidf import TfidfReplyIndex

THRESHOLD = 0.5
MIN_PAIRS = 5
LARGE = 100_000
QUERIES = 1_000
VALUES = {"name": "Ann", "case": "42", "dm_link": "https://x.com/messages/compose", "handle": "@ann"}


@dataclass
class Measured:
    """The figures."""

    brands: int
    trained: int
    asked: int
    hits: int
    baseline_hits: int
    single_hits: int
    p50_ms: float
    p99_ms: float
    build_s: float
    memory_mb: float
    large: int


def _pairs(path: Path) -> list[PastReply]:
    posts = [row for row in read_twcs(path) if isinstance(row, IncomingComplaint)]
    return imported(posts)


def _split(pairs: list[PastReply]) -> tuple[list[PastReply], list[PastReply]]:
    by_brand: dict[str, list[PastReply]] = defaultdict(list)
    for past in pairs:
        by_brand[past.brand].append(past)
    train, test = [], []
    for brand_pairs in by_brand.values():
        if len(brand_pairs) < MIN_PAIRS:
            continue
        cut = int(len(brand_pairs) * 0.8)
        train += brand_pairs[:cut]
        test += brand_pairs[cut:]
    return train, test


def _complaint(text: str, brand: str) -> Complaint:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    return Complaint(42, "x", "1", "9", "ann", "Ann", text, at, at, Status.NEW, 1, queue=brand)


def _unfilled(reply: str) -> str:
    for name, value in VALUES.items():
        reply = reply.replace(value, "{" + name + "}")
    return reply


def _quality(train: list[PastReply], test: list[PastReply]) -> tuple[int, int, int]:
    """Hits of the top 3, of the baseline's 3, and of the first suggestion alone."""
    judge = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit([p.reply for p in train])
    suggester = Suggester(TfidfReplyIndex.build(train))
    common: dict[str, list[str]] = {}
    for brand in {p.brand for p in train}:
        counts = Counter(p.reply for p in train if p.brand == brand)
        common[brand] = [reply for reply, _n in counts.most_common(TOP)]
    hits = baseline = single = 0
    for past in test:
        found = suggester.for_complaint(_complaint(past.complaint, past.brand), VALUES)
        offered = [_unfilled(reply) for reply in found.replies]
        for guesses, counter in ((offered, "top"), (common[past.brand], "base")):
            if not guesses:
                continue
            scores = cosine_similarity(judge.transform([past.reply]), judge.transform(guesses)).ravel()
            hit = bool((scores >= THRESHOLD).any())
            if counter == "top":
                hits += hit
                single += bool(scores[0] >= THRESHOLD)
            else:
                baseline += hit
    return hits, baseline, single


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 1e6


def _large(pairs: list[PastReply], size: int, rng: random.Random) -> list[PastReply]:
    """`size` past cases of one brand, each a real complaint with a few words of another, and its real reply."""
    out = []
    for _ in range(size):
        past, other = rng.choice(pairs), rng.choice(pairs)
        words = other.complaint.split()
        extra = " ".join(rng.sample(words, min(3, len(words))))
        out.append(PastReply("large", f"{past.complaint} {extra}", past.reply))
    return out


def measure(path: Path, large: int = LARGE, queries: int = QUERIES) -> Measured:
    """Quality on held-back conversations, then latency, build time and memory with `large` past cases."""
    pairs = _pairs(path)
    train, test = _split(pairs)
    hits, baseline, single = _quality(train, test)
    rng = random.Random(7)
    cases = _large(pairs, large, rng)
    asked = [_complaint(p.complaint, "large") for p in rng.choices(test or pairs, k=queries)]
    gc.collect()
    before = _resident_mb()
    started = time.perf_counter()
    index = TfidfReplyIndex.build(cases)
    build_s = time.perf_counter() - started
    gc.collect()
    memory = _resident_mb() - before
    suggester = Suggester(index)
    took = []
    for complaint in asked:
        t0 = time.perf_counter()
        suggester.for_complaint(complaint, VALUES)
        took.append((time.perf_counter() - t0) * 1000)
    return Measured(
        brands=len({p.brand for p in train}),
        trained=len(train),
        asked=len(test),
        hits=hits,
        baseline_hits=baseline,
        single_hits=single,
        p50_ms=percentile(took, 0.50),
        p99_ms=percentile(took, 0.99),
        build_s=build_s,
        memory_mb=memory,
        large=large,
    )


def report(m: Measured, source: str) -> str:
    """The figures as a markdown table."""
    share = lambda n: f"{n / m.asked:.1%}" if m.asked else "n/a"  # noqa: E731
    return "\n".join(
        [
            f"Conversations from {source}: {m.trained:,} complaint-reply pairs of {m.brands} brands taught the index, "
            f"{m.asked:,} later ones asked.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| actual reply among the top 3 suggestions (cosine >= {THRESHOLD}) | {share(m.hits)} ({m.hits:,}) |",
            f"| actual reply is the first suggestion | {share(m.single_hits)} ({m.single_hits:,}) |",
            f"| baseline: the brand's 3 most common replies | {share(m.baseline_hits)} ({m.baseline_hits:,}) |",
            f"| one suggestion, index of {m.large:,} past cases: p50 | {m.p50_ms:.1f} ms |",
            f"| one suggestion, index of {m.large:,} past cases: p99 | {m.p99_ms:.1f} ms (target <= 100 ms) |",
            f"| building that index | {m.build_s:.1f} s |",
            f"| memory that index adds to the process | {m.memory_mb:.0f} MB |",
        ]
    )
