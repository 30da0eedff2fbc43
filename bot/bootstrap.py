"""The one wiring point: builds engines, clients, coordination and apps from the settings. Nothing runs at import."""

from __future__ import annotations

import redis
import tweepy
from pydantic import SecretStr
from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.outages import OUTAGES
from bot.slack.gateway import SlackChatGateway
from bot.slack.listeners import register
from bot.triage_file import load_triage
from bot.wiring import Core, Services
from bot.x.client import make_client
from handlers.clock import SystemClock
from handlers.outbox_runner import OutboxRunner
from handlers.ports import Clock, Dedupe, Locks, StreamQueue
from storage.memory.keys import MemoryDedupe, MemoryLocks
from storage.memory.stream import MemoryStreamQueue
from storage.rate_limit import WindowRateLimiter
from storage.redis.keys import RedisDedupe, RedisLocks
from storage.redis.stream import RedisStreamQueue
from storage.sql.engine import make_engine
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

STREAM = "squeaky:complaints"
GROUP = "workers"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def slack_client(settings: Settings) -> WebClient:
    """The slack-sdk WebClient, pointed at SLACK_API_URL."""
    settings.require("slack_bot_token")
    return WebClient(token=_secret(settings.slack_bot_token), base_url=settings.slack_api_url, timeout=10)


def x_read_client(settings: Settings) -> tweepy.Client:
    """A tweepy client with the app's bearer token, for reading mentions."""
    settings.require("x_bearer_token")
    return make_client(settings.x_api_url, bearer_token=_secret(settings.x_bearer_token))


def build_core(settings: Settings, *, clock: Clock | None = None) -> Core:
    """Storage, coordination and triage; Redis when REDIS_URL is set, in-process coordination otherwise."""
    triage = load_triage(settings.triage_config)
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    queue: StreamQueue
    locks: Locks
    dedupe: Dedupe
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url)
        queue = RedisStreamQueue(client, STREAM, GROUP)
        locks = RedisLocks(client)
        dedupe = RedisDedupe(client)
        limiter = WindowRateLimiter(settings.redis_url)
    else:
        queue = MemoryStreamQueue()
        locks = MemoryLocks()
        dedupe = MemoryDedupe()
        limiter = WindowRateLimiter("memory://")
    return Core(
        settings=settings,
        clock=clock,
        engine=engine,
        uow_factory=SqlUnitOfWorkFactory(engine, clock),
        queue=queue,
        locks=locks,
        limiter=limiter,
        dedupe=dedupe,
        triage=triage,
    )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """The core plus the Slack gateway and the outbox runner: what the web process and the worker need."""
    settings.require("slack_bot_token", "slack_channel")
    core = build_core(settings, clock=clock)
    assert settings.slack_channel is not None
    chat = SlackChatGateway(
        slack_client(settings),
        settings.slack_channel,
        core.limiter,
        posts_per_second=settings.slack_posts_per_second,
        post_burst=settings.slack_post_burst,
    )
    fields = {name: getattr(core, name) for name in Core.__dataclass_fields__}
    runner = OutboxRunner(core.uow_factory, core.clock, chat, outages=OUTAGES)
    return Services(**fields, chat=chat, outbox_runner=runner)


def build_bolt_app(services: Services) -> App:
    """The Bolt app with every listener attached (HTTP and Socket Mode share it)."""
    settings = services.settings
    settings.require("slack_bot_token")
    if not settings.slack_app_token:  # Socket Mode needs no signing secret; HTTP always does
        settings.require("slack_signing_secret", why="every HTTP request from Slack is checked against it")
    app = App(
        signing_secret=_secret(settings.slack_signing_secret) or "",
        client=slack_client(settings),
        process_before_response=False,
    )
    register(app, services)
    return app
