"""On-call rotations across hand-offs, time zones and DST; spike detection on synthetic series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from handlers.domain.roster import Roster, next_handoff, on_call
from handlers.domain.spikes import SpikeState
from handlers.team.spikes import SpikeEvent, SpikeRules, observe

RULES = SpikeRules(window_minutes=10, alpha=0.1, ratio=3.0, clear_ratio=1.5, min_count=10, floor=2.0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_one_person_is_always_on_call_and_nobody_is_none() -> None:
    assert on_call(Roster(("U1",)), utc(2026, 11, 22, 3)) == "U1"
    assert on_call(None, utc(2026, 11, 22)) is None
    assert next_handoff(Roster(("U1",)), utc(2026, 11, 22)) is None


def test_a_weekly_rotation_hands_off_at_the_set_hour_in_the_teams_time_zone() -> None:
    # Started on Monday 2026-11-16 in Berlin (UTC+1 in winter), hand-off Mondays at 09:00 local.
    roster = Roster(("U1", "U2", "U3"), "weekly", date(2026, 11, 16), 9, 0, "Europe/Berlin")
    assert on_call(roster, utc(2026, 11, 16, 8, 0)) == "U1"  # 09:00 Berlin
    assert on_call(roster, utc(2026, 11, 22, 23, 0)) == "U1"  # Monday 00:00 local, still U1's week
    assert on_call(roster, utc(2026, 11, 23, 7, 59)) == "U1"  # 08:59 local
    assert on_call(roster, utc(2026, 11, 23, 8, 0)) == "U2"  # 09:00 local: hand-off
    assert on_call(roster, utc(2026, 11, 30, 8, 0)) == "U3"
    assert on_call(roster, utc(2026, 12, 7, 8, 0)) == "U1"  # round again
    assert next_handoff(roster, utc(2026, 11, 20, 12)) == datetime(2026, 11, 23, 9, tzinfo=roster_zone(roster))


def roster_zone(roster: Roster):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(roster.timezone)


def test_a_daily_rotation_keeps_its_local_hour_across_the_dst_change() -> None:
    # New York leaves DST on 2026-11-01: 09:00 local is 13:00 UTC before, 14:00 UTC after.
    roster = Roster(("A", "B"), "daily", date(2026, 10, 30), 9, 0, "America/New_York")
    assert on_call(roster, utc(2026, 10, 31, 13, 0)) == "B"  # Oct 31 09:00 EDT
    assert on_call(roster, utc(2026, 11, 1, 13, 30)) == "B"  # Nov 1 08:30 EST: not yet
    assert on_call(roster, utc(2026, 11, 1, 14, 0)) == "A"  # Nov 1 09:00 EST: hand-off
    assert next_handoff(roster, utc(2026, 11, 1, 14, 0)).astimezone(UTC) == utc(2026, 11, 2, 14)  # type: ignore[union-attr]


def run(series: list[int], state: SpikeState | None = None) -> tuple[SpikeState, list[tuple[int, SpikeEvent]]]:
    state = state or SpikeState()
    events = []
    at = utc(2026, 11, 22)
    for minute, count in enumerate(series):
        state, event = observe(state, count, at + timedelta(minutes=minute), RULES)
        if event is not None:
            events.append((minute, event))
    return state, events


def test_steady_traffic_raises_no_alert_even_when_it_wobbles() -> None:
    steady = [8, 12, 9, 11, 10, 14, 7, 10, 12, 9] * 30
    _, events = run(steady)
    assert events == []


def test_a_quiet_topic_needs_real_volume_before_it_counts_as_a_spike() -> None:
    _, events = run([0, 0, 1, 0, 0, 4, 6, 0, 1, 0])
    assert events == []  # 6 is many times zero, but under the minimum count


def test_a_spike_opens_one_incident_grows_and_clears_when_the_rate_falls_back() -> None:
    state, events = run([10] * 60 + [25, 40, 60, 55, 40, 20, 12, 10, 10])  # 25 is only 2.5 times the usual
    assert events == [(61, SpikeEvent.OPENED), (62, SpikeEvent.GROWING), (66, SpikeEvent.CLEARED)]
    assert state.open_since is None and 10 < (state.baseline or 0) < 12  # the spike (40, 60…) was not learnt as normal


def test_a_spike_hovering_near_the_threshold_does_not_flap() -> None:
    _, events = run([10] * 60 + [31, 28, 27, 29, 26, 28, 30, 27, 5])
    assert [e for _, e in events] == [SpikeEvent.OPENED, SpikeEvent.CLEARED]


def test_state_round_trips_through_storage() -> None:
    state, _ = run([10] * 30 + [50])
    assert SpikeState.from_json(state.to_json()) == state
    assert state.incident("billing") == "squeaky-spike-billing-20261122T0030"
