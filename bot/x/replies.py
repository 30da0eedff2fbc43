"""Public replies on X through tweepy (OAuth 1.0a user context): paced, and never posted twice."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import requests
import tweepy

from bot.x.normalize import tweet_url
from handlers.coordination import RateLimiter
from handlers.gateways import DeliveryFailed, PostedReply

# X lets one user post 100 times per 15 minutes.
POSTS_PER_WINDOW = 100
WINDOW_SECONDS = 15 * 60

log = logging.getLogger(__name__)


class XReplies:
    """Replies as the brand account; maps X's answers to retry-or-not decisions the outbox understands."""

    def __init__(
        self, client: tweepy.Client, brand_handle: str, brand_id: Callable[[], str], limiter: RateLimiter
    ) -> None:
        self._client = client
        self._handle = brand_handle
        self._brand_id = brand_id  # looked up when first needed: starting up needs neither X nor the database
        self._limiter = limiter

    def reply(self, in_reply_to: str, text: str) -> PostedReply:
        """POST /2/tweets as a reply to `in_reply_to`."""
        wait = self._limiter.acquire("x:user:post", POSTS_PER_WINDOW / WINDOW_SECONDS, POSTS_PER_WINDOW)
        if wait > 0:
            raise DeliveryFailed("X's posting limit (100 per 15 minutes) is reached", retry_after=wait, throttled=True)
        try:
            response = self._client.create_tweet(text=text, in_reply_to_tweet_id=in_reply_to, user_auth=True)
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset") if exc.response is not None else None
            retry = max(1.0, float(reset) - time.time()) if reset and reset.isdigit() else 60.0
            raise DeliveryFailed("X is rate limiting our replies", retry_after=retry, throttled=True) from None
        except (tweepy.BadRequest, tweepy.Forbidden, tweepy.Unauthorized, tweepy.NotFound) as exc:
            raise DeliveryFailed(f"X refused the reply: {_reason(exc)}", permanent=True) from None
        except tweepy.TwitterServerError as exc:
            raise DeliveryFailed(
                f"X is failing ({exc.response.status_code if exc.response is not None else '5xx'})", outage=True
            ) from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"X is unreachable ({exc.__class__.__name__})", outage=True) from None
        post_id = str(response.data["id"])
        return PostedReply(post_id=post_id, url=tweet_url(self._handle, post_id))

    def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        """Our recent post replying to `in_reply_to` with this text, if an earlier attempt did go out."""
        try:
            response = self._client.get_users_tweets(
                self._brand_id(),
                since_id=in_reply_to,
                max_results=100,
                tweet_fields=["referenced_tweets"],
                user_auth=True,
            )
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            # X is down or slow: posting now could say it twice in public, so wait for X to answer the question
            why = f"X cannot tell yet whether the reply went out ({exc.__class__.__name__})"
            raise DeliveryFailed(why, outage=True) from None
        except (tweepy.TweepyException, LookupError) as exc:
            log.warning("cannot look for an earlier reply (%s); posting it, as X takes no idempotency key", exc)
            return None
        for tweet in response.data or []:
            refs = {str(r.id) for r in (tweet.referenced_tweets or []) if r.type == "replied_to"}
            if in_reply_to in refs and tweet.text.strip() == text.strip():
                return PostedReply(post_id=str(tweet.id), url=tweet_url(self._handle, str(tweet.id)))
        return None


def _reason(exc: tweepy.HTTPException) -> str:
    messages = list(exc.api_messages) if getattr(exc, "api_messages", None) else []
    return "; ".join(messages) or f"HTTP {exc.response.status_code if exc.response is not None else '?'}"
