"""The ingest process: poll each network that is on (X, Bluesky, Mastodon: the brand's mentions and searches, and
its customers' private messages) on a schedule onto the stream, each network in its own thread so one failing never
holds the others back.

Every network's feeds go through the one feed engine (bot.network_feeds) and the one loop
here (`run_polls`): wait out a rate limit, back off while a network or our own storage fails,
and wait five minutes on refused credentials.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable

import tweepy

from bot.bootstrap import bluesky_session, mastodon_account, x_read_client
from bot.network_feeds import NetworkFeed, poll_all
from bot.outages import OUTAGES, describe_outage
from bot.pacing import Pacer, RateLimited, Refused, Unavailable, backoff
from bot.startup_checks import require_reading, require_x_reading
from bot.supervision import Supervisor
from bot.wiring import Core
from bot.x import feeds as x_feeds
from bot.x.client import brand_user_id
from bot.x.dm_feed import dm_feed
from bot.x.network import x_user_client
from bot.x.windows import heed_windows

log = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 5.0  # while PostgreSQL or Redis is away, a poll is tried again at least this often
REFUSED_RETRY_SECONDS = 300.0  # refused credentials: someone must fix a setting; ask again after this


def x_network_feeds(core: Core, client: tweepy.Client, pacer: Pacer) -> list[NetworkFeed]:
    """X's feeds to poll: the mentions of each brand account and each search (the accounts' ids looked up once)."""
    settings = core.settings
    heed_windows(client, pacer)
    brand_ids = [brand_user_id(client, core.uow_factory, handle) for handle in settings.x_brand_handles]
    reader = x_feeds.XReader(pacer, core.clock, settings.x_brand_handles, brand_ids)
    found = [
        x_feeds.mentions_feed(client, uid, handle, reader)
        for uid, handle in zip(brand_ids, settings.x_brand_handles, strict=True)
    ]
    found += [x_feeds.search_feed(client, query, reader) for query in settings.x_search_queries]
    # the brand's own keys: its customers' direct messages, unless switched off (X bills each DM event read)
    user_client = x_user_client(core) if settings.x_dm_feed else None
    if user_client is not None and brand_ids:
        heed_windows(user_client, pacer)
        found.append(dm_feed(user_client, brand_ids[0], reader))
    return found


def poll_once(core: Core, client: tweepy.Client, pacer: Pacer | None = None) -> int:
    """Poll every X feed once (skipping a feed another ingest process is polling); return how many posts went out."""
    feeds = x_network_feeds(core, client, pacer or Pacer(core.limiter))
    return poll_all(feeds, core.queue, core.uow_factory, core.locks)


def network_feeds(core: Core, stop: threading.Event | None = None) -> dict[str, list[NetworkFeed]]:
    """The Bluesky and Mastodon feeds to poll, by network, for those that are on: built once, each poll reuses
    their clients (one Bluesky login, one reader per other Mastodon instance)."""
    settings, found = core.settings, {}
    pacer = Pacer(core.limiter, stop)
    bluesky = bluesky_session(core)
    if bluesky is not None:
        from bot.bluesky import feeds as bluesky_feeds  # atproto loads only when Bluesky is on
        from bot.bluesky.chat_feed import chat_feed

        found["Bluesky"] = [
            bluesky_feeds.notifications_feed(bluesky, core.clock, pacer),
            chat_feed(bluesky, core.clock, pacer),
            *(bluesky_feeds.search_feed(bluesky, q, core.clock, pacer) for q in settings.bluesky_search_queries),
        ]
    mastodon = mastodon_account(settings)
    if mastodon is not None:
        from bot.mastodon import feeds as mastodon_feeds  # Mastodon.py loads only when Mastodon is on

        found["Mastodon"] = [
            mastodon_feeds.mentions_feed(mastodon, core.clock, pacer),
            *(mastodon_feeds.search_feed(mastodon, q, core.clock, pacer) for q in settings.mastodon_searches),
        ]
    return found


def run_ingest(core: Core, stop: threading.Event) -> None:
    """Poll every network that is on until `stop`, each in a supervised thread of its own, through one loop."""
    settings = core.settings
    require_reading(settings)
    polls: dict[str, tuple[Callable[[], int], float]] = {}
    every = {"Bluesky": settings.bluesky_poll_seconds, "Mastodon": settings.mastodon_poll_seconds}
    for network, feeds in network_feeds(core, stop).items():
        polls[network] = (functools.partial(poll_all, feeds, core.queue, core.uow_factory, core.locks), every[network])
    if settings.x_bearer_token and settings.x_brand_handles:
        require_x_reading(settings)
        client, pacer = x_read_client(settings), Pacer(core.limiter, stop)

        def poll_x() -> int:  # X's feeds are built each poll: the accounts' ids come from the database
            return poll_all(x_network_feeds(core, client, pacer), core.queue, core.uow_factory, core.locks)

        polls["X"] = (poll_x, settings.x_poll_seconds)
    threads = Supervisor(stop)  # a poller whose loop dies is logged once and started again
    for network, (poll, seconds) in polls.items():
        threads.start(f"poll-{network}", functools.partial(run_polls, network, poll, seconds, stop))
    stop.wait()
    threads.join(timeout=5)


def run_polls(network: str, poll: Callable[[], int], every: float, stop: threading.Event) -> None:
    """Call `poll` every `every` seconds until `stop`: wait out a rate limit, back off while the network or our
    storage fails, and wait five minutes on refused credentials (saying which settings to check)."""
    failures = 0
    while not stop.is_set():
        delay = every
        try:
            poll()
            failures = 0
        except InterruptedError:
            break
        except RateLimited as exc:
            delay = max(every, exc.seconds)
            log.warning("%s rate limit reached; next poll in %.0fs", network, delay)
        except Refused as exc:
            log.error("%s refused us: %s. Retrying in 5 min.", network, exc)
            delay = REFUSED_RETRY_SECONDS
        except OUTAGES as exc:  # PostgreSQL or Redis is away: one line a retry, nothing read is lost
            failures += 1
            delay = backoff(failures + 1, cap=min(every * 4, OUTAGE_RETRY_SECONDS))
            log.warning("polling %s: %s; retrying in %.0fs", network, describe_outage(exc), delay)
        except (Unavailable, OSError) as exc:
            failures += 1
            delay = backoff(failures + 1, cap=every * 4)
            log.warning("%s unavailable (%s); retrying in %.0fs", network, exc, delay)
        except Exception:
            failures += 1
            delay = backoff(failures + 1, cap=every * 4)
            log.exception("polling %s failed; retrying in %.0fs", network, delay)
        stop.wait(delay)
