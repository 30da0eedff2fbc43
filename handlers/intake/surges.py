"""A surge of similar complaints: many near-duplicates on one queue in a short time, far above the queue's usual rate,
start storm mode whatever the service level ("phone lines are down": 200 in 6 s), right at intake.

Intake gives each new case its near-duplicate keys (a port: MinHash bands of its words) and counts them into runs
per queue and key in the database, in the same transaction as the cases, so every worker adds to the same runs. A
run that reaches `at_least` complaints at `factor` times the queue's usual rate is a surge; the first of its words
name it, and its key is the cluster an incident reply then reaches. Cheap per post: the keys are a few hashes, the
counting one upsert per distinct key in a batch, and the usual rate is read only when a run is big enough."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.domain.complaint import SYSTEM, AuditEvent, NewCase
from handlers.domain.storm import Storm, Surge
from handlers.ports.unit_of_work import UnitOfWork
from handlers.text.figures import duration

USUAL_OVER = timedelta(hours=24)  # the queue's usual rate: what it received over this long
TITLE_LENGTH = 60
_NOISE = re.compile(r"(?:https?://\S+|[@#][\w.@-]+)")  # links, mentions and hashtags: not what the cluster says


@dataclass(frozen=True)
class SurgeRules:
    """When similar complaints are a surge: at least `at_least` of them in a run (a run ends after `window` without
    one), arriving at `factor` times the queue's usual rate or more (never less than `floor_per_hour`)."""

    at_least: int = 20  # 0: similar complaints start no storm
    window: timedelta = timedelta(minutes=5)
    factor: float = 5.0
    floor_per_hour: float = 12.0
    counted: int = 3  # a case's first keys counted into runs: enough to see a surge, each one more row a post

    @property
    def on(self) -> bool:
        """Whether surges start storms at all."""
        return self.at_least > 0


def title_of(text: str) -> str:
    """The words that name a cluster: one complaint's, without links, mentions and hashtags, cut short."""
    said = " ".join(_NOISE.sub(" ", text).split()).strip(" ,.:;!?-")
    return said if len(said) <= TITLE_LENGTH else said[: TITLE_LENGTH - 1].rstrip() + "…"


def fingerprint_of(keys: Sequence[str]) -> str | None:
    """How a case keeps its keys: space-separated, with a space at each end, so one key is found by `LIKE '% k %'`."""
    return f" {' '.join(keys)} " if keys else None


def surging(uow: UnitOfWork, now: datetime, rules: SurgeRules, cases: Sequence[NewCase]) -> dict[str, Surge]:
    """Count the new cases' keys into their runs; return, per queue, the biggest run that is a surge now."""
    uow.surges.arrived(Counter(case.queue for case in cases), now, USUAL_OVER)  # the queues' usual rates
    seen: dict[tuple[str, str], tuple[int, str, str]] = {}
    for case in cases:
        for band in (case.fingerprint or "").split()[: rules.counted]:  # (all its keys still say who is alike)
            counted = seen.get((case.queue, band))
            if counted is None:
                # the example is kept as its title: a few words, no handles or links (it outlives no run by long)
                seen[(case.queue, band)] = (1, title_of(case.incoming.text), case.fingerprint or "")
            else:
                seen[(case.queue, band)] = (counted[0] + 1, counted[1], counted[2])
    if not rules.on or not seen:
        return {}
    uow.surges.forget_before(now - 2 * rules.window)
    runs = [run for run in uow.surges.add(seen, now, rules.window) if run.count >= rules.at_least]
    found: dict[str, Surge] = {}
    for run in sorted(runs, key=lambda r: (-r.count, r.band)):
        if run.queue in found:
            continue
        usual = uow.surges.received_since(run.queue, now - USUAL_OVER) / USUAL_OVER.total_seconds()
        rate = run.count / max(run.seconds, rules.window.total_seconds())
        if rate >= rules.factor * max(usual, rules.floor_per_hour / 3600):
            found[run.queue] = run
    return found


def cluster_line(surge: Surge | None, title: str) -> str:
    """The storm summary's line naming the cluster: “phone lines are down”: 200 in 6s."""
    if surge is None:
        return f"Similar complaints: “{title}”."
    return f"Similar complaints: “{title}”: {surge.count:,} in {duration(surge.seconds)}."


def start_for_surge(uow: UnitOfWork, now: datetime, queue: str, surge: Surge) -> bool:
    """A surge of similar complaints starts storm mode on its queue at once, whatever the service level (in intake's
    transaction: the queue's cards are held from then on); False when a storm was on already."""
    storm = Storm(now, cluster=surge.band, cluster_title=title_of(surge.sample), cluster_keys=surge.keys)
    if not uow.team.start_storm(queue, storm):
        return False
    held = uow.outbox.hold_cards(queue)
    detail = {"cluster": storm.cluster_title, "similar": surge.count, "seconds": round(surge.seconds), "held": held}
    uow.audit.record(AuditEvent(None, SYSTEM, "storm:similar", None, None, now, {"queue": queue, **detail}))
    return True
