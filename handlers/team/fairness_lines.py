"""`stats fairness` in words: waits by tier and follower band, and whether the policy's promise about followers held."""

from __future__ import annotations

from handlers.domain.stats import Fairness, Row
from handlers.team.stats import FAIRNESS_RATIO, FAIRNESS_SAMPLE, LOUD_BANDS, jumped
from handlers.text.figures import STATS_NOTE, duration


def _waits(row: Row) -> str:
    return (
        f"{row.received:,} received · to claim p50 {duration(row.to_claim.p50)}, p90 {duration(row.to_claim.p90)}"
        f" · to acknowledge p50 {duration(row.to_ack.p50)}, p90 {duration(row.to_ack.p90)}"
    )


def verdict(fairness: Fairness, follower_points: int) -> str:
    """Whether loud accounts jumped the queue, said against what the ranking policy promises."""
    found = jumped(fairness)
    loud = " and ".join(sorted(LOUD_BANDS))
    if follower_points:
        said = "; ".join(
            f"{tier}, {band.key} followers: p50 {duration(band.to_claim.p50)} against {duration(row.to_claim.p50)}"
            for tier, row, band in found
        )
        return (
            f"Followers count in the ranking ({follower_points} points per tenfold), "
            "so loud accounts go first by design"
            + (f": {said}." if said else "; no band was claimed much sooner than its tier.")
        )
    if not found:
        return (
            "Promise kept: followers play no part in the ranking, and no follower band with "
            f"{FAIRNESS_SAMPLE}+ complaints ({loud}) was claimed in under {FAIRNESS_RATIO:.0%} of the median wait "
            "of its tier's usual accounts."
        )
    said = "; ".join(
        f"{tier}, {band.key} followers: claimed in p50 {duration(band.to_claim.p50)} "
        f"against {duration(row.to_claim.p50)} for {row.key} followers"
        for tier, row, band in found
    )
    return f"⚠ Promise not kept: followers play no part in the ranking, yet loud accounts were claimed sooner: {said}."


def fairness_lines(fairness: Fairness, follower_points: int) -> tuple[str, ...]:
    """The answer's lines: the verdict, each tier's waits, then each follower band's within it."""
    if not fairness.tiers:
        return ("No complaints arrived in this period.",)
    lines = [verdict(fairness, follower_points)]
    if fairness.order is not None and fairness.order.pairs:
        order = fairness.order
        lines.append(
            f"First come, first served: {order.share_out:.1%} of {order.pairs:,} pairs of equal priority were served "
            f"out of the customers' posting order ({order.out_of_order:,} pairs, over {order.cases:,} cases claimed)."
        )
    for tier in fairness.tiers:
        lines.append(f"{tier.key}: {_waits(tier)}")
        lines.extend(f"   {band.key} followers: {_waits(band)}" for band in fairness.bands.get(tier.key, []))
    lines.append(STATS_NOTE)
    return tuple(lines)
