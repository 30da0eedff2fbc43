"""The storm's figures as Markdown, and what they mean."""

from __future__ import annotations

import statistics

from bench.percentiles import percentile
from bench.storm import REQUESTS, Pauses, StormResult

NOTES = """What the figures mean:

- Slack shows about one new message a second in a channel, so a storm of 5,000 new cases takes well over an hour
  to reach the channel. Squeaky does not try to beat that. It posts at an even pace and by rank, re-read before
  every post: VIPs first, then urgent complaints, then the rest by waiting time. Within seconds the queue goes into
  storm mode: its standard cards are held and one summary with a Take next button takes their place; VIP cards
  still go at once. The channel's budget is a token
  bucket with a burst of two whose last token only a VIP's card takes: a VIP's card goes at once rather than at
  the next slot, and VIPs arriving faster than one a second queue behind each other only.
- Ingest, delivery and housekeeping run on their own threads of the worker: storing the storm never holds a card
  back, and delivery is woken as each ingest transaction (500 posts at most) commits.
- Storing does not wait for Slack. Every post is stored (once) as the storm arrives, threaded onto its case, and
  counted in stats and spike alerts at once.
- A follow-up on a case whose card is out updates the card's follow-up count at once (chat.update, its own budget);
  on a case whose card is not out yet it costs nothing: the card shows the count when it is posted.
  Its line in the card's thread ranks 25 points below its case, so it goes after new cases of its tier. A line
  whose card is not out yet waits for the card, without using up its chances, and goes right after it.
- A 429 pauses the channel's lane for its Retry-After, in every worker (the pause is shared through Redis), and
  the try it refused does not count against the message. The 429s counted here are the on-call person's direct
  messages (a VIP pages on arrival, a dozen in ten seconds), each honoured.
- The storm repeats the corpus's complaints, so near-duplicates arrive by the hundred: storm mode starts from
  their similarity at intake (a surge of one cluster, named on the summary) before the service-level rule would, and
  the worker's memory now includes the MinHash library and its numerical dependencies.
- Every lane pause is in the worker's log at DEBUG (LOG_LEVEL), with its reason; the table adds them up."""


def report(r: StormResult) -> str:
    """The results, as Markdown."""
    t = r.timings
    carded_vips = len(r.vip_card_seconds)
    per_card = r.slack_calls / r.cards if r.cards else float("nan")
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| posts sent to the intake | {r.sent:,} in {t.send_seconds:.1f} s ({REQUESTS} requests) "
            "| 10,000 in 10 s |",
            f"| posts stored (each once) | **{r.stored:,}**: {r.cases:,} cases, {r.followups:,} follow-ups, "
            f"{r.filtered:,} filtered | all |",
            f"| time to store them all, from the first post | {t.store_seconds:.1f} s "
            f"({max(0.0, t.store_seconds - t.send_seconds):.1f} s after the last one arrived) | |",
            f"| bare batched INSERT of the same rows | {t.bare_insert_seconds:.1f} s | |",
            f"| cards posted in {t.observed_seconds:.0f} s | {r.cards:,}, **{r.duplicate_cards} duplicates**; "
            f"{r.cases - r.cards:,} not posted (held by storm mode, posted when taken) | ≤ 1 per case |",
            f"| follow-ups | all {r.followups:,} attached to their cases; {r.followups_of_carded:,} on carded cases; "
            f"{r.thread_lines:,} lines posted in threads, {r.orphan_lines} outside a card's thread | all threaded |",
            f"| standard cards posted while a VIP waited | **{r.inversions}** | 0 |",
            f"| VIP arrival to card ({carded_vips} of {r.vip_cases} VIP cases carded) "
            f"| **p50 {percentile(r.vip_card_seconds, 0.5):.1f} s · p99 {percentile(r.vip_card_seconds, 0.99):.1f} s** "
            "| p99 ≤ 2 s |",
            f"| of which arrival to stored | p50 {percentile(r.vip_store_seconds, 0.5):.1f} s · "
            f"p99 {percentile(r.vip_store_seconds, 0.99):.1f} s | |",
            f"| first card · first VIP card, from the storm's first post | {r.first_card_seconds:.1f} s · "
            f"{r.first_vip_card_seconds:.1f} s | first card ≤ 2 s |",
            f"| gap between cards (the channel's limit is about 1 s) | median {_median(r.card_spacing):.2f} s | |",
            f"| outbox lanes paused (count, seconds asked for) | {_pauses(r.pauses)} | |",
            f"| Slack calls | {r.slack_calls:,}: {r.slack_calls / r.sent:.3f} per post, {per_card:.2f} per card | |",
            f"| 429s received · calls made before their Retry-After | {r.refusals} · **{r.early_calls}** "
            "| all honoured |",
            f"| worker peak memory (VmHWM) | **{t.worker_peak_mb:.0f} MB** | ≤ 200 MB |",
        ]
    )


def _pauses(p: Pauses) -> str:
    if not p.count:
        return "never"
    return "; ".join(
        f"{lane} for {why}: {p.count[(lane, why)]:,} ({p.seconds[(lane, why)]:.1f} s)" for lane, why in sorted(p.count)
    )


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
