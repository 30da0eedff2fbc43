"""Spike detection: a topic's complaints in the last window against an exponentially weighted baseline.

Each minute, the count of complaints in the trailing window (per topic, and in total) is
compared with the baseline: an exponentially weighted moving average of earlier windows'
counts. A spike opens when the count is at least `min_count` and at least `ratio` times the
baseline (the baseline never counts as less than `floor`, so a quiet topic needs real
volume). While a spike is open the baseline is frozen, so the spike does not teach itself
that it is normal; it clears when the count falls below `clear_ratio` times the baseline
(hysteresis: no flapping around one threshold). One spike is one incident: opening, updating
its count and clearing it are the only events, never one per complaint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from handlers.domain.spikes import SpikeState


@dataclass(frozen=True)
class SpikeRules:
    """The detector's knobs."""

    window_minutes: int = 10
    alpha: float = 0.1  # weight of the newest window in the baseline (~10 windows of memory)
    ratio: float = 3.0
    clear_ratio: float = 1.5
    min_count: int = 10
    floor: float = 2.0


class SpikeEvent(StrEnum):
    """What one observation means for the incident."""

    OPENED = "opened"
    GROWING = "growing"  # still open, with a new peak count
    CLEARED = "cleared"


def observe(state: SpikeState, count: int, now: datetime, rules: SpikeRules) -> tuple[SpikeState, SpikeEvent | None]:
    """Fold one window count into the state; return the new state and the event it raises, if any."""
    if state.baseline is None:
        return replace(state, baseline=float(count)), None
    expected = max(state.baseline, rules.floor)
    if state.open_since is not None:
        if count < rules.clear_ratio * expected:
            return SpikeState(baseline=state.baseline), SpikeEvent.CLEARED
        if count > state.peak:
            return replace(state, peak=count), SpikeEvent.GROWING
        return state, None
    if count >= rules.min_count and count >= rules.ratio * expected:
        return replace(state, open_since=now, peak=count), SpikeEvent.OPENED
    baseline = rules.alpha * count + (1 - rules.alpha) * state.baseline
    return replace(state, baseline=baseline), None
