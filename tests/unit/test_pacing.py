"""The one pacer: each service's windows as data, lanes with reserves, 429 pauses, throttling headers in every
documented form, one retry policy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from email.utils import formatdate

import pytest

from bot.pacing import (
    LANES,
    Lane,
    Pacer,
    Unavailable,
    Window,
    backoff,
    left_from,
    patiently,
    until_epoch,
    wait_from,
)
from handlers.ports.gateways import DeliveryFailed
from storage.rate_limit import WindowRateLimiter

NOW = 1_800_000_000.0


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert wait_from({"Retry-After": "30"}, NOW) == 30
    assert wait_from({"retry-after": formatdate(NOW + 120, usegmt=True)}, NOW) == pytest.approx(120)
    assert wait_from({"Retry-After": "0"}, NOW) == 1  # never less than a second: asking again at once would 429


def test_reset_headers_in_epoch_seconds_relative_seconds_and_iso() -> None:
    assert wait_from({"x-rate-limit-reset": str(int(NOW + 42))}, NOW) == 42  # X: epoch seconds
    assert wait_from({"RateLimit-Reset": str(int(NOW + 300))}, NOW) == 300  # Bluesky: epoch seconds
    assert wait_from({"ratelimit-reset": "17"}, NOW) == 17  # the IETF draft: seconds from now
    iso = "2027-01-15T08:00:10.000Z"
    at = datetime.fromisoformat("2027-01-15T08:00:00+00:00").timestamp()
    assert wait_from({"X-RateLimit-Reset": iso}, at) == pytest.approx(10)  # Mastodon: ISO 8601
    assert until_epoch(NOW + 90, NOW) == 90


def test_an_unreadable_or_missing_header_falls_back() -> None:
    assert wait_from({"Retry-After": "soon"}, NOW, fallback=7) == 7
    assert wait_from({}, NOW) == 60
    assert wait_from(None, NOW, fallback=5) == 5
    assert until_epoch(None, NOW, fallback=3) == 3


def test_every_service_has_its_documented_windows() -> None:
    assert LANES["x.mentions"].windows == (Window(450, 900.0),)
    assert LANES["x.post"].windows[0].calls == 100 and LANES["x.post"].windows[0].seconds == 900
    teams = LANES["teams.conversation"].windows
    assert [(w.calls, w.seconds) for w in teams] == [(7, 1.0), (8, 2.0), (60, 30.0)]
    assert LANES["teams.tenant"].windows[0].per_second == 50
    assert LANES["bluesky.requests"].windows[0].burst == 3000
    assert LANES["bluesky.create"].windows[0].burst == 5000 // 3  # a create costs 3 of the hour's 5,000 points
    assert LANES["bluesky.session"].windows[0].burst == 30
    assert LANES["mastodon.requests"].windows[0].per_second == 1.0
    assert LANES["slack.post"].windows[0].reserve == 1


def test_a_window_gives_its_calls_then_says_how_long_to_wait() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    lane = Lane("Test", "test:window", (Window(3, 60.0),))
    assert [pacer.ask(lane, "a") for _ in range(3)] == [0, 0, 0]
    assert 0 < pacer.ask(lane, "a") <= 60
    assert pacer.ask(lane, "b") == 0  # another scope has its own window


def test_every_window_of_a_lane_counts() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    lane = Lane("Test", "test:two", (Window(10, 1.0), Window(3, 30.0, suffix=":30s")))
    assert [pacer.ask(lane) for _ in range(3)] == [0, 0, 0]
    assert pacer.ask(lane) > 1  # the second, longer window is spent though the first is not


def test_the_reserve_is_left_for_what_a_person_waits_on() -> None:
    clock = Clock()
    pacer = Pacer(WindowRateLimiter("memory://", now=clock))
    lane = LANES["slack.post"]
    assert pacer.ask(lane, "C1") == 0
    assert pacer.ask(lane, "C1") > 0  # an ordinary card leaves the last token
    assert pacer.ask(lane, "C1", urgent=True) == 0  # a VIP's card takes it
    assert pacer.ask(lane, "C1", urgent=True) > 0
    clock.at += 2.0
    assert pacer.ask(lane, "C1") == 0


def test_a_flood_of_new_cards_leaves_each_windows_reserve_to_updates() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    lane = LANES["teams.conversation"]  # 7 a second (2 kept), 8 in 2 s (2 kept), 60 in 30 s (12 kept)
    granted = 0
    while pacer.ask(lane, "19:care") == 0:
        granted += 1
    assert granted == 5  # new cards stop two short of the second's seven
    assert [pacer.ask(lane, "19:care", urgent=True) for _ in range(2)] == [0, 0]  # a claim's update goes at once
    assert pacer.ask(lane, "19:care", urgent=True) > 0  # Teams' own limit holds for it too
    assert pacer.ask(lane, "19:other") == 0  # another conversation has its own windows


def test_thread_lines_give_way_so_a_busy_conversations_updates_go_first() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    lane = Lane("Test", "test:lines", (Window(100, 1.0), Window(60, 30.0, reserve=12, suffix=":30s")))
    lines = 0
    while pacer.ask(lane, "19:care", yielding=True) == 0:
        lines += 1
    assert lines == 24  # the reserve and half of the rest are left: 36 of the 60
    assert [pacer.ask(lane, "19:care") for _ in range(24)] == [0] * 24  # new cards still find their share
    assert [pacer.ask(lane, "19:care", urgent=True) for _ in range(12)] == [0] * 12  # and updates the reserve


def test_the_longest_window_keeps_its_reserve_though_the_short_ones_have_room() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    lane = Lane("Test", "test:long", (Window(100, 1.0, reserve=2), Window(10, 30.0, reserve=3, suffix=":30s")))
    assert [pacer.ask(lane) for _ in range(7)] == [0] * 7
    assert 1 < pacer.ask(lane) <= 30  # the 30 s window's last three are kept
    assert [pacer.ask(lane, urgent=True) for _ in range(3)] == [0, 0, 0]
    assert pacer.ask(lane, urgent=True) > 1


def test_storm_mode_plans_new_cards_by_the_pace_the_reserve_leaves_them() -> None:
    assert LANES["teams.conversation"].ordinary_per_second == pytest.approx(48 / 30)  # 60 in 30 s, 12 kept
    assert LANES["slack.post"].ordinary_per_second == 1.0  # a bucket's refill: its reserve is a burst's last slot
    assert LANES["slack.update"].windows[0].reserve > 0  # the storm summary's redraws leave claims' updates room


def test_a_pause_holds_the_lane_back_for_every_pacer_on_the_same_limiter() -> None:
    limiter = WindowRateLimiter("memory://")
    one, other = Pacer(limiter), Pacer(limiter)
    one.pause(LANES["teams.conversation"], "19:abc", 30)
    assert 25 < other.ask(LANES["teams.conversation"], "19:abc") <= 31
    assert other.ask(LANES["teams.conversation"], "19:other") == 0


def test_a_shorter_pause_never_cuts_a_longer_one_short() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    pacer.pause(LANES["x.mentions"], "", 100)
    pacer.pause(LANES["x.mentions"], "", 2)
    assert pacer.ask(LANES["x.mentions"]) > 90


def test_the_services_own_count_of_its_window_in_each_documented_form() -> None:
    x = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "12", "x-rate-limit-reset": str(int(NOW + 60))}
    assert left_from(x, NOW) == (12, 60)
    assert left_from({"RateLimit-Remaining": "2999", "RateLimit-Reset": str(int(NOW + 300))}, NOW) == (2999, 300)
    iso = "2027-01-15T08:05:00.000Z"
    at = datetime.fromisoformat("2027-01-15T08:00:00+00:00").timestamp()
    assert left_from({"X-RateLimit-Remaining": "299", "X-RateLimit-Reset": iso}, at) == (299, pytest.approx(300))
    assert left_from({"x-rate-limit-remaining": "12"}, NOW) is None  # no reset: nothing to spread it over
    assert left_from({"x-rate-limit-remaining": "many", "x-rate-limit-reset": "60"}, NOW) is None
    assert left_from({"x-rate-limit-remaining": "-1", "x-rate-limit-reset": "60"}, NOW) is None
    assert left_from({"x-rate-limit-remaining": "3", "x-rate-limit-reset": str(int(NOW - 5))}, NOW) == (3, 0)
    assert left_from(None, NOW) is None


def test_the_services_own_count_holds_the_lane_back_only_when_it_runs_short() -> None:
    lane = LANES["x.mentions"]  # 450 in 15 minutes: a steady 0.5 a second
    pacer = Pacer(WindowRateLimiter("memory://"))
    pacer.heed(lane, "", 449, 899)  # a fresh window
    pacer.heed(lane, "", 100, 899)  # a burst of 350 (an incident's replies, a backlog read): X allows it
    assert pacer.ask(lane) == 0
    pacer.heed(lane, "", 44, 899)  # the window's last tenth: what is left is spread until the reset, one every 20 s
    assert 19 < pacer.ask(lane) <= 20
    pacer = Pacer(WindowRateLimiter("memory://"))
    pacer.heed(lane, "", 9, 100)  # 9 left for 100 s: one every 10 s
    assert 9 < pacer.ask(lane) <= 10
    spent = Pacer(WindowRateLimiter("memory://"))
    spent.heed(lane, "", 0, 120)  # none left: nothing until the reset
    assert 119 < spent.ask(lane) <= 120
    past = Pacer(WindowRateLimiter("memory://"))
    past.heed(lane, "", 0, 0)  # the window has reset already
    assert past.ask(lane) == 0


def test_waiting_for_a_slot_ends_when_stopping() -> None:
    stop = threading.Event()
    pacer = Pacer(WindowRateLimiter("memory://"), stop)
    lane = Lane("Test", "test:stop", (Window(1, 600.0),))
    pacer.wait(lane)
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(InterruptedError):
        pacer.wait(lane)


def test_transient_failures_are_retried_then_reported_as_unavailable() -> None:
    pacer = Pacer(WindowRateLimiter("memory://"))
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TimeoutError("slow")
        return "ok"

    lane = Lane("Test", "test:retry", (Window(100, 60.0),))
    assert pacer.call(lane, flaky, lambda e: isinstance(e, TimeoutError), first=0.01) == "ok"
    assert len(calls) == 3

    def down() -> str:
        raise TimeoutError("down")

    with pytest.raises(Unavailable, match="TimeoutError after 2 tries"):
        pacer.retrying(down, lambda e: isinstance(e, TimeoutError), attempts=2, first=0.01)
    with pytest.raises(KeyError):  # not transient: raised at once
        pacer.retrying(lambda: {}["x"], lambda e: isinstance(e, TimeoutError), first=0.01)


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n, cap=5.0) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert backoff(1, cap=10, first=0.5) == 0.5


def test_a_lane_moved_to_a_set_pace_keeps_its_shape() -> None:
    moved = LANES["teams.conversation"].at_pace(3.5)
    assert moved.windows[0].per_second == pytest.approx(3.5)
    assert [w.calls for w in moved.windows[1:]] == [4, 30]
    post = LANES["slack.post"].at_pace(0.5, burst=3)
    assert (post.windows[0].burst, post.windows[0].per_second, post.windows[0].reserve) == (3, 0.5, 1)


def _failing(exc: DeliveryFailed) -> Callable[[], str]:
    def send() -> str:
        raise exc

    return send


def test_what_a_person_waits_on_is_tried_again_within_its_patience() -> None:
    waits: list[float] = []
    answers = [DeliveryFailed("paced", retry_after=2.0, throttled=True), DeliveryFailed("down", outage=True)]

    def send() -> str:
        if answers:
            raise answers.pop(0)
        return "sent"

    assert patiently(send, 20.0, waits.append) == "sent"
    assert waits == [2.0, 1.0]  # the throttle's own wait, then a second for an outage that named none
    with pytest.raises(DeliveryFailed, match="refused"):
        patiently(_failing(DeliveryFailed("refused", permanent=True)), 20.0, waits.append)
    with pytest.raises(DeliveryFailed, match="long"):  # a wait past the patience is not slept
        patiently(_failing(DeliveryFailed("long", retry_after=60.0)), 20.0, waits.append)
    assert waits == [2.0, 1.0]


def test_a_negative_or_endless_wait_is_unreadable_and_a_huge_one_is_an_hour() -> None:
    for value in ("-5", "nan", "inf", "-inf"):
        assert wait_from({"Retry-After": value}, now=1_000.0, fallback=30.0) == 30.0, value
    assert wait_from({"Retry-After": "99999999"}, now=1_000.0, fallback=30.0) == 3600.0
