"""The worker's clicks: each taken as soon as a deciding thread is free and acked once decided, so one slow click never
holds back the clicks queued behind it; a click whose deciding meets an outage stays on the stream."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, cast

import pytest
import redis
from sqlalchemy.exc import OperationalError

from bot.chat_tools import ClickRoute
from bot.wiring import Services
from bot.worker import consumer_name, decide_clicks
from storage.redis.stream import RedisStreamQueue

pytestmark = pytest.mark.integration
SERVICES = cast(Services, SimpleNamespace(settings=SimpleNamespace(stream_reclaim_seconds=30.0)))


def _deciding(route: ClickRoute, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=decide_clicks, args=(route, SERVICES, stop, threading.Event(), 50))
    thread.start()
    return thread


def test_a_slow_click_holds_back_none_of_the_clicks_behind_it(redis_client: redis.Redis) -> None:
    queue = RedisStreamQueue(redis_client, "test:clicks", "workers")
    slow_started, slow_may_end, others_done = threading.Event(), threading.Event(), threading.Event()
    decided: list[str] = []
    lock = threading.Lock()

    def decide(payload: Mapping[str, Any]) -> None:
        if payload["click"] == "slow":
            slow_started.set()
            assert slow_may_end.wait(30)  # held until every other click is decided
        with lock:
            decided.append(str(payload["click"]))
            if len(decided) == 9:
                others_done.set()

    queue.add({"click": "slow"})
    stop = threading.Event()
    thread = _deciding(ClickRoute(queue, decide), stop)
    try:
        assert slow_started.wait(30)
        for n in range(9):  # queued while the slow one is being decided
            queue.add({"click": f"quick {n}"})
        assert others_done.wait(30)  # all nine decided while the first still runs
        assert "slow" not in decided
    finally:
        slow_may_end.set()
        stop.set()
        thread.join(30)
    assert sorted(decided) == sorted(["slow", *(f"quick {n}" for n in range(9))])
    assert queue.own_pending(consumer_name(), 50) == []  # every decided click was acked


def test_a_click_whose_deciding_meets_an_outage_stays_on_the_stream(redis_client: redis.Redis) -> None:
    queue = RedisStreamQueue(redis_client, "test:clicks", "workers")
    tried = threading.Event()

    def decide(payload: Mapping[str, Any]) -> None:
        tried.set()
        raise OperationalError("UPDATE complaints", {}, Exception("the database is away"))

    queue.add({"click": "during the outage"})
    stop = threading.Event()
    thread = _deciding(ClickRoute(queue, decide), stop)
    try:
        assert tried.wait(30)
    finally:
        stop.set()
        thread.join(30)
    pending = queue.own_pending(consumer_name(), 50)
    assert [entry.payload["click"] for entry in pending] == ["during the outage"]
