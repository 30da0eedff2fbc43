"""Supervised threads: one whose loop dies is logged once, with its traceback, and started again; the process is
healthy only while every one of them runs."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from bot.supervision import Supervisor
from bot.worker import deliver


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_thread_that_dies_is_logged_once_and_started_again(caplog: pytest.LogCaptureFixture) -> None:
    stop, runs, release = threading.Event(), [], threading.Event()

    def loop() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        release.wait()  # the second run keeps running, as a healthy loop does

    threads = Supervisor(stop, first_wait=0.3)
    with caplog.at_level(logging.INFO, logger="bot.supervision"):
        threads.start("housekeeping", loop)
        wait_until(lambda: len(runs) == 1 and not threads.healthy())
        assert threads.down() == ["housekeeping"]  # dead, and waiting to be started again
        wait_until(lambda: len(runs) == 2)
        wait_until(threads.healthy)
    assert runs[1] - runs[0] >= 0.3
    died = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(died) == 1 and "the housekeeping thread died; it is started again in 0s" in died[0].getMessage()
    assert died[0].exc_info is not None and "Connection refused" in caplog.text  # its traceback, once
    stop.set()
    release.set()
    threads.join(timeout=5)


def test_a_loop_that_keeps_dying_waits_longer_each_time_and_a_stop_ends_it() -> None:
    stop, runs = threading.Event(), []

    def loop() -> None:
        runs.append(time.monotonic())
        raise RuntimeError("a bug")

    threads = Supervisor(stop, first_wait=0.1, longest_wait=0.4)
    threads.start("delivery", loop)
    wait_until(lambda: len(runs) >= 4)
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4  # 0.1 s, 0.2 s, then at most 0.4 s
    assert not threads.healthy()
    stop.set()
    threads.join(timeout=5)
    count = len(runs)
    time.sleep(0.5)
    assert len(runs) == count  # stopped: never started again


def test_a_loop_that_returns_before_the_stop_is_started_again_and_one_that_returns_at_the_stop_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop, runs = threading.Event(), []

    def loop() -> None:
        runs.append(1)
        if len(runs) >= 2:
            stop.wait()

    threads = Supervisor(stop, first_wait=0.05)
    threads.start("clicks", loop)
    wait_until(lambda: len(runs) == 2)
    assert "the clicks thread ended on its own" in caplog.text
    stop.set()
    threads.join(timeout=5)
    assert len(runs) == 2


def test_a_worker_with_a_thread_down_leases_nothing_to_deliver_until_it_runs_again() -> None:
    leased: list[float] = []

    class Runner:  # the outbox runner's two calls the delivery loop makes
        def run_due(self) -> int:
            leased.append(time.monotonic())
            return 0

        def seconds_to_next_opening(self) -> float | None:
            return None

    services: Any = SimpleNamespace(outbox_runner=Runner())
    stop, down = threading.Event(), ["housekeeping"]
    delivery = threading.Thread(
        target=deliver, args=(services, stop, threading.Event(), 20), kwargs={"down": lambda: list(down)}
    )
    delivery.start()
    try:
        time.sleep(0.3)
        assert leased == []  # its heartbeat is held back: the others may take its leases, so it takes none
        down.clear()
        wait_until(lambda: bool(leased))
    finally:
        stop.set()
        delivery.join(timeout=5)
