"""Topic accuracy on held-back twcs rows: the keyword rules alone, the learned model alone, and both as triage uses
them (the model decides at TOPIC_CONFIDENCE or above, the rules otherwise).

Labels: each customer post is paired with the brand's first reply, and labelled by the keyword rules of
config/triage.toml reading the post and the reply together (handlers.intake.topics.label): the reply often names
what the post never does ("sorry your bag is late"). So the label uses evidence triage does not have at arrival
(the reply), and the rules-only baseline, which reads the post alone, can miss it. The pairs are taken in time
order: the first 80% teach the model (post text -> label), the last 20% are asked, from the post alone. "Topical"
rows are those whose label is a topic, not "other": there the rules and the model really differ. Caveat: the labels
come from the same rules, so the rules agree with them wherever the post itself holds the keyword; the model can
only add the rows where the keyword is in the reply alone.

What the figures say: on the real slice (about a thousand pairs, nine in ten labelled "other", a few dozen of each
topic) the learned model alone is right less often than the rules, and beside them, at the default confidence, it
changes nothing: it is confident mostly where the rules already agree, and too unsure where only the reply held the
keyword. The generated corpus puts every topic's keyword in the complaint, so both are right everywhere. The model
is worth its place as history grows (the team's own answered cases, in their own words); until then the rules
decide, and the card says so.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.percentiles import percentile
from bot.sources.twcs import read_twcs
from bot.triage_file import load_triage
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.topics import LEARNED, OTHER, TopicRules, decide, label
from handlers.suggestions.history import first_replies
from storage.topics.model import LearnedTopics

CONFIDENCE = 0.6  # TOPIC_CONFIDENCE's default
THRESHOLDS = (0.5, 0.6, 0.8)
TRIAGE = Path(__file__).resolve().parents[1] / "config" / "triage.toml"


@dataclass
class Measured:
    """The figures of one corpus."""

    source: str
    trained: int
    asked: int
    topical: int
    labels: dict[str, int]
    rules_ok: int
    model_ok: int
    both_ok: dict[float, int]
    decided_by_model: dict[float, int]
    rules_topical_ok: int
    both_topical_ok: int
    train_s: float
    guess_p50_ms: float
    learned: bool


def _rows(path: Path, rules: TopicRules) -> list[tuple[str, str]]:
    posts = [row for row in read_twcs(path) if isinstance(row, IncomingComplaint)]
    pairs = sorted(first_replies(posts), key=lambda pair: pair[0].created_at)
    return [(complaint.text, label(rules, complaint.text, reply.text)) for complaint, reply in pairs]


def measure(path: Path, source: str) -> Measured:
    """Train on the first 80% of `path`'s conversations, ask the last 20%."""
    rules = load_triage(str(TRIAGE)).topics
    rows = _rows(path, rules)
    cut = int(len(rows) * 0.8)
    train, test = rows[:cut], rows[cut:]
    t0 = time.perf_counter()
    model = LearnedTopics.train([text for text, _ in train], [topic for _, topic in train])
    train_s = time.perf_counter() - t0
    rules_ok = sum(rules.classify(text).name == truth for text, truth in test)
    topical = [(text, truth) for text, truth in test if truth != OTHER]
    both_ok: dict[float, int] = {}
    by_model: dict[float, int] = {}
    took: list[float] = []
    for threshold in THRESHOLDS:
        decided = []
        for text, _ in test:
            t1 = time.perf_counter()
            decided.append(decide(rules, model, text, threshold))
            took.append((time.perf_counter() - t1) * 1000)
        both_ok[threshold] = sum(topic.name == truth for (topic, _), (_, truth) in zip(decided, test, strict=True))
        by_model[threshold] = sum(by == LEARNED for _, by in decided)
    model_ok = sum(guess[0] == truth for guess, (_, truth) in zip(_guesses(model, test), test, strict=True))
    return Measured(
        source=source,
        trained=len(train),
        asked=len(test),
        topical=len(topical),
        labels=dict(Counter(truth for _, truth in rows).most_common()),
        rules_ok=rules_ok,
        model_ok=model_ok,
        both_ok=both_ok,
        decided_by_model=by_model,
        rules_topical_ok=sum(rules.classify(text).name == truth for text, truth in topical),
        both_topical_ok=sum(decide(rules, model, text, CONFIDENCE)[0].name == truth for text, truth in topical),
        train_s=train_s,
        guess_p50_ms=percentile(took, 0.50) if took else 0.0,
        learned=model is not None,
    )


def _guesses(model: LearnedTopics | None, test: list[tuple[str, str]]) -> list[tuple[str, float]]:
    if model is None:
        return [(OTHER, 0.0)] * len(test)
    return model.guess_many([text for text, _ in test])


def _share(n: int, of: int) -> str:
    return f"{n / of:.1%} ({n:,}/{of:,})" if of else "n/a"


def report(results: list[Measured]) -> str:
    """The figures as a markdown table, one column per corpus."""
    head = "| measure | " + " | ".join(m.source for m in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]

    def row(name: str, values: list[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(values) + " |")

    row("pairs that taught the model / held back", [f"{m.trained:,} / {m.asked:,}" for m in results])
    row("labels (all pairs)", [", ".join(f"{k} {v:,}" for k, v in m.labels.items()) for m in results])
    row("**rules alone** (baseline), all held back", [_share(m.rules_ok, m.asked) for m in results])
    row(
        "learned model alone, all held back", [_share(m.model_ok, m.asked) if m.learned else "too few" for m in results]
    )
    for threshold in THRESHOLDS:
        mark = " (the default)" if threshold == CONFIDENCE else ""
        values = [
            f"{_share(m.both_ok[threshold], m.asked)}; model decided {m.decided_by_model[threshold]:,}" for m in results
        ]
        row(f"**rules + model** at confidence {threshold}{mark}", values)
    row("topical rows held back: rules alone", [_share(m.rules_topical_ok, m.topical) for m in results])
    row(
        f"topical rows held back: rules + model ({CONFIDENCE})", [_share(m.both_topical_ok, m.topical) for m in results]
    )
    row("training time", [f"{m.train_s:.2f} s" for m in results])
    row("one triage topic decision (rules + model): p50", [f"{m.guess_p50_ms:.2f} ms" for m in results])
    return "\n".join(lines)
