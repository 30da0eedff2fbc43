"""The ingest process: poll X for the brand's mentions on a schedule and put them on the stream."""

from __future__ import annotations

import logging
import threading
import time

import tweepy

from bot.bootstrap import x_read_client
from bot.wiring import Services
from bot.x.poller import brand_user_id, poll_mentions

log = logging.getLogger(__name__)


def seconds_until_reset(exc: tweepy.TooManyRequests, now: float, fallback: float = 60.0) -> float:
    """How long X asked us to wait: until x-rate-limit-reset (X sends no Retry-After)."""
    reset = exc.response.headers.get("x-rate-limit-reset") if exc.response is not None else None
    try:
        return max(1.0, float(reset) - now + 1) if reset else fallback
    except ValueError:
        return fallback


def poll_once(services: Services, client: tweepy.Client) -> int:
    """Poll every configured brand handle once; return how many mentions went onto the stream."""
    settings = services.settings
    total = 0
    for handle in settings.x_brand_handles:
        user_id = brand_user_id(client, services.uow_factory, handle)
        total += poll_mentions(
            client, user_id, settings.x_brand_handles, services.queue, services.uow_factory, services.clock
        ).fetched
    return total


def run_ingest(services: Services, stop: threading.Event) -> None:
    """Poll every X_POLL_SECONDS; wait out 429s until x-rate-limit-reset; back off on 5xx and timeouts."""
    settings = services.settings
    settings.require("x_bearer_token", "x_brand_handles")
    client = x_read_client(settings)
    failures = 0
    while not stop.is_set():
        delay = settings.x_poll_seconds
        try:
            poll_once(services, client)
            failures = 0
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
        except Exception:
            failures += 1
            delay = min(settings.x_poll_seconds * 4, 2.0**failures)
            log.exception("polling X failed; retrying in %.0fs", delay)
        stop.wait(delay)
