"""The one percentile every benchmark reports: the nearest-rank value, NaN when nothing was measured."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank); NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
