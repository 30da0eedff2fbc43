"""The ingest process: poll each network that is on (X, Bluesky, Mastodon: the brand's mentions and searches) on a
schedule onto the stream, each network in its own thread so one failing never holds the others back."""

from __future__ import annotations

import functools
import logging
import threading
import time

import tweepy

from bot.bluesky import feeds as bluesky_feeds
from bot.bootstrap import bluesky_session, mastodon_account, x_read_client
from bot.mastodon import feeds as mastodon_feeds
from bot.network_feeds import OUTAGE_RETRY_SECONDS, NetworkFeed, poll_all, run_polls
from bot.outages import OUTAGES, describe_outage
from bot.startup_checks import require_reading, require_x_reading
from bot.supervision import Supervisor
from bot.wiring import Core
from bot.x.feeds import Feed, Pacer, mentions_feed, search_feed
from bot.x.poller import brand_user_id, poll_feed

log = logging.getLogger(__name__)


def seconds_until_reset(exc: tweepy.TooManyRequests, now: float, fallback: float = 60.0) -> float:
    """How long X asked us to wait: until x-rate-limit-reset (X sends no Retry-After)."""
    reset = exc.response.headers.get("x-rate-limit-reset") if exc.response is not None else None
    try:
        return max(1.0, float(reset) - now + 1) if reset else fallback
    except ValueError:
        return fallback


def feeds(core: Core, client: tweepy.Client) -> tuple[list[Feed], list[str]]:
    """Every feed to poll, and our accounts' X user ids."""
    settings = core.settings
    brand_ids = [brand_user_id(client, core.uow_factory, handle) for handle in settings.x_brand_handles]
    found = [mentions_feed(client, uid, h) for uid, h in zip(brand_ids, settings.x_brand_handles, strict=True)]
    found += [search_feed(client, query) for query in settings.x_search_queries]
    return found, brand_ids


def poll_once(core: Core, client: tweepy.Client, pacer: Pacer | None = None) -> int:
    """Poll every feed once (skipping a feed another ingest process is polling); return how many posts went out."""
    pacer = pacer or Pacer(core.limiter)
    all_feeds, brand_ids = feeds(core, client)
    total = 0
    for feed in all_feeds:
        token = core.locks.acquire(f"poll:{feed.checkpoint}", ttl_seconds=max(60.0, core.settings.x_poll_seconds * 3))
        if token is None:
            log.debug("%s is being polled by another process", feed.label)
            continue
        try:
            total += poll_feed(
                feed,
                pacer,
                core.queue,
                core.uow_factory,
                core.clock,
                brand_handles=core.settings.x_brand_handles,
                brand_ids=brand_ids,
            ).fetched
        finally:
            core.locks.release(f"poll:{feed.checkpoint}", token)
    return total


def network_feeds(core: Core, stop: threading.Event | None = None) -> dict[str, list[NetworkFeed]]:
    """The Bluesky and Mastodon feeds to poll, by network, for those that are on: built once, each poll reuses
    their clients (one Bluesky login, one reader per other Mastodon instance)."""
    settings, found = core.settings, {}
    bluesky = bluesky_session(core)
    if bluesky is not None:
        found["Bluesky"] = [
            bluesky_feeds.notifications_feed(bluesky, core.clock, stop),
            *(bluesky_feeds.search_feed(bluesky, q, core.clock, stop) for q in settings.bluesky_search_queries),
        ]
    mastodon = mastodon_account(settings)
    if mastodon is not None:
        found["Mastodon"] = [
            mastodon_feeds.mentions_feed(mastodon, core.clock, stop),
            *(mastodon_feeds.search_feed(mastodon, q, core.clock, stop) for q in settings.mastodon_searches),
        ]
    return found


def run_ingest(core: Core, stop: threading.Event) -> None:
    """Poll every network that is on until `stop`, each in a supervised thread of its own."""
    settings = core.settings
    require_reading(settings)
    every = {"Bluesky": settings.bluesky_poll_seconds, "Mastodon": settings.mastodon_poll_seconds}
    threads = Supervisor(stop)  # a poller whose loop dies is logged once and started again
    for network, feeds in network_feeds(core, stop).items():

        def poll(feeds: list[NetworkFeed] = feeds) -> int:
            return poll_all(feeds, core.queue, core.uow_factory, core.locks)

        threads.start(f"poll-{network}", functools.partial(run_polls, network, poll, every[network], stop))
    if settings.x_bearer_token and settings.x_brand_handles:
        threads.start("poll-X", functools.partial(run_x, core, stop))
    stop.wait()
    threads.join(timeout=5)


def run_x(core: Core, stop: threading.Event) -> None:
    """Poll X every X_POLL_SECONDS; wait out 429s until x-rate-limit-reset; back off on 5xx and timeouts."""
    settings = core.settings
    require_x_reading(settings)
    client = x_read_client(settings)
    pacer = Pacer(core.limiter, stop)
    failures = 0
    while not stop.is_set():
        delay = settings.x_poll_seconds
        try:
            poll_once(core, client, pacer)
            failures = 0
        except InterruptedError:
            break
        except tweepy.TooManyRequests as exc:
            delay = seconds_until_reset(exc, time.time())
            log.warning("X rate limit reached; next poll in %.0fs", delay)
        except (tweepy.TwitterServerError, OSError) as exc:
            failures += 1
            delay = min(settings.x_poll_seconds * 4, 2.0**failures)
            log.warning("X unavailable (%s); retrying in %.0fs", exc.__class__.__name__, delay)
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            log.error("X refused our credentials (%s); check X_BEARER_TOKEN. Retrying in 5 min.", exc)
            delay = 300.0
        except OUTAGES as exc:  # PostgreSQL or Redis is away: one line a retry, nothing read is lost
            failures += 1
            delay = min(settings.x_poll_seconds * 4, OUTAGE_RETRY_SECONDS, 2.0**failures)
            log.warning("polling X: %s; retrying in %.0fs", describe_outage(exc), delay)
        except Exception:
            failures += 1
            delay = min(settings.x_poll_seconds * 4, 2.0**failures)
            log.exception("polling X failed; retrying in %.0fs", delay)
        stop.wait(delay)
