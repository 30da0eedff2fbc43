"""A process started while Redis is down (a web process or worker restarted during an outage, as a process manager
does) builds its services and runs once Redis is back, instead of failing to boot: the stream's consumer group is
made on the first use after Redis returns, as after Redis lost its data."""

from __future__ import annotations

import pytest
import redis

from bot.bootstrap import build_services
from bot.config import Settings
from tests.private_servers import PrivateRedis

pytestmark = pytest.mark.integration


def test_services_built_while_redis_is_down_queue_and_deliver_once_it_is_back(
    private_redis: PrivateRedis, pg_url: str
) -> None:
    private_redis.stop()
    settings = Settings(
        _env_file=None,
        database_url=pg_url,
        redis_url=private_redis.url,
        slack_bot_token="xoxb-local",
        slack_signing_secret="local-secret",
        slack_channel="C0CARE",
    )
    services = build_services(settings)  # Redis is down: nothing may be asked of it yet
    try:
        with pytest.raises(redis.ConnectionError):
            services.queue.add({"hello": "while down"})  # a use meanwhile fails as an outage does, and says so
        private_redis.start()
        entry_id = services.queue.add({"hello": "world"})
        assert services.queue.read("worker-1", 10, 0) == []  # the first read makes the group, as after a flush
        [entry] = services.queue.read("worker-1", 10, 0)
        assert entry.id == entry_id and entry.payload == {"hello": "world"}
    finally:
        services.engine.dispose()
