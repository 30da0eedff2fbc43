"""Public replies on X through tweepy (OAuth 1.0a user context): paced, and never posted twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import requests
import tweepy

from bot.pacing import LANES, Pacer, wait_from
from bot.x.normalize import tweet_url
from bot.x.windows import heed_windows
from handlers.domain.complaint import Complaint
from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import DeliveryFailed, PostedReply

# X's answer to a second post with the same text from the same account.
DUPLICATE = "duplicate content"
# How far our clock and X's may disagree when we ask for posts made since the first attempt.
CLOCK_SKEW = timedelta(minutes=2)

log = logging.getLogger(__name__)


class XReplies:
    """Replies as the brand account; maps X's answers to retry-or-not decisions the outbox understands."""

    def __init__(
        self, client: tweepy.Client, brand_handle: str, brand_id: Callable[[], str], limiter: RateLimiter
    ) -> None:
        self._client = client
        self._handle = brand_handle
        self._brand_id = brand_id  # looked up when first needed: starting up needs neither X nor the database
        self._pacer = Pacer(limiter)
        self._lane = LANES["x.post"]  # X lets one user post 100 times per 15 minutes
        heed_windows(client, self._pacer)  # X's own count keeps the pace when ours is lost

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        """POST /2/tweets as a reply to the complaint's tweet; a duplicate-content refusal is our earlier reply,
        found."""
        posted = self._create("reply", text=text, in_reply_to_tweet_id=to.external_id)
        return posted if posted is not None else self._already_posted(to, since)

    def post(self, text: str) -> PostedReply | None:
        """POST /2/tweets, not a reply: a status update to everyone. A duplicate-content refusal is our earlier
        attempt, already out (None)."""
        return self._create("post", text=text)

    def _create(self, what: str, **fields: str) -> PostedReply | None:
        """One paced POST /2/tweets, X's answers mapped to retry-or-not; None when X refuses it as a duplicate."""
        wait = self._pacer.slot(self._lane)
        if wait > 0:
            raise DeliveryFailed("X's posting limit (100 per 15 minutes) is reached", retry_after=wait, throttled=True)
        try:
            response = self._client.create_tweet(**fields, user_auth=True)
        except tweepy.TooManyRequests as exc:
            retry = wait_from(exc.response.headers if exc.response is not None else None)
            self._pacer.pause(self._lane, "", retry)  # every worker holds back until X's window resets
            plural = "replies" if what == "reply" else "posts"
            raise DeliveryFailed(f"X is rate limiting our {plural}", retry_after=retry, throttled=True) from None
        except (tweepy.BadRequest, tweepy.Forbidden, tweepy.Unauthorized, tweepy.NotFound) as exc:
            if DUPLICATE in reason(exc).lower():
                return None
            raise DeliveryFailed(f"X refused the {what}: {reason(exc)}", permanent=True) from None
        except tweepy.TwitterServerError as exc:
            raise DeliveryFailed(
                f"X is failing ({exc.response.status_code if exc.response is not None else '5xx'})", outage=True
            ) from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"X is unreachable ({exc.__class__.__name__})", outage=True) from None
        post_id = str(response.data["id"])
        return PostedReply(post_id=post_id, url=tweet_url(self._handle, post_id))

    def _already_posted(self, to: Complaint, since: datetime) -> PostedReply:
        """X says this exact text is out already: it is our earlier attempt, so show that post."""
        found = self.find_reply(to, since)
        if found is None:
            why = "X says this reply is already posted, but it is not among our replies to the post yet"
            raise DeliveryFailed(why, outage=True)
        return found

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        """Our post replying to the complaint's tweet made since `since`, if an earlier attempt did go out.

        Found by what X keeps intact, the post it replies to and when it was made, never by its text:
        X returns links wrapped as t.co and `&<>` escaped, so the text we sent is not the text X shows.
        """
        in_reply_to = to.external_id
        try:
            response = self._client.get_users_tweets(
                self._brand_id(),
                since_id=in_reply_to,
                start_time=since - CLOCK_SKEW,
                max_results=100,
                tweet_fields=["referenced_tweets", "created_at"],
                user_auth=True,
            )
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            # X is down or slow: posting now could say it twice in public, so wait for X to answer the question
            why = f"X cannot tell yet whether the reply went out ({exc.__class__.__name__})"
            raise DeliveryFailed(why, outage=True) from None
        except (tweepy.TweepyException, LookupError) as exc:
            log.warning("cannot look for an earlier reply (%s); posting it, as X takes no idempotency key", exc)
            return None
        ours = [
            tweet
            for tweet in response.data or []
            if in_reply_to in {str(r.id) for r in (tweet.referenced_tweets or []) if r.type == "replied_to"}
            and (tweet.created_at is None or tweet.created_at >= since - CLOCK_SKEW)  # X may ignore start_time
        ]
        if not ours:
            return None
        first = min(ours, key=lambda tweet: int(tweet.id))  # the first attempt that landed is the reply
        return PostedReply(post_id=str(first.id), url=tweet_url(self._handle, str(first.id)))


def reason(exc: tweepy.HTTPException) -> str:
    """X's own words for a refusal."""
    messages = list(exc.api_messages) if getattr(exc, "api_messages", None) else []
    return "; ".join(messages) or f"HTTP {exc.response.status_code if exc.response is not None else '?'}"
