"""Public replies on Mastodon as the brand account: threaded (`in_reply_to_id`), no wider than the customer's post,
and never posted twice.

Each try sends the same Idempotency-Key (the case and the moment the reply was decided), which
the instance honours for an hour; a retry first reads the post's thread for a reply of ours
made since then, by what the instance keeps (the parent and the author), not by the text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bot.mastodon.client import MastodonAccount, wait_seconds
from bot.mastodon.length import MastodonPostLength
from bot.mastodon.normalize import PUBLIC_VISIBILITIES
from bot.pacing import LANES, Pacer, local_pacer
from bot.post_times import parse_time
from handlers.domain.complaint import Complaint
from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import PACING, DeliveryFailed, PostedReply

CLOCK_SKEW = timedelta(minutes=2)  # how far our clock and the instance's may disagree


class MastodonReplies:
    """Replies as the brand account; the instance's answers mapped to retry-or-not decisions the outbox
    understands."""

    def __init__(
        self, account: MastodonAccount, length: MastodonPostLength, limiter: RateLimiter | None = None
    ) -> None:
        self._account = account
        self._length = length
        self._pacer = Pacer(limiter) if limiter is not None else local_pacer()

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        """Post the reply under the complaint's status, mentioning the customer so they hear of it."""
        visibility = to.visibility or "public"
        if visibility not in PUBLIC_VISIBILITIES:
            raise DeliveryFailed("The customer did not post this publicly: no public reply", permanent=True)
        user = to.author_handle.split("@", 1)[0]
        body = text if f"@{user}".lower() in text.lower() else f"@{to.author_handle} {text}"
        if self._length.measure(body).over:
            body = text  # the mention would not fit: the threaded reply still reaches them in the thread
        key = f"squeaky-reply-{to.id}-{int(since.timestamp())}"
        parent = self._local_id(to)
        posted = self._guarded(
            lambda api: api.status_post(body, in_reply_to_id=parent, visibility=visibility, idempotency_key=key),
            posts=True,
        )
        return PostedReply(post_id=str(posted["id"]), url=posted.get("url"))

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        """Our reply under the complaint's status made since `since`, if an earlier try posted it."""
        me = str(self._guarded(lambda _api: self._account.me)["id"])
        parent = self._local_id(to)
        context = self._guarded(lambda api: api.status_context(parent))
        ours = [
            s
            for s in context["descendants"]
            if str(s["account"]["id"]) == me
            and str(s.get("in_reply_to_id")) == parent
            and parse_time(s.get("created_at"), since) >= since - CLOCK_SKEW
        ]
        if not ours:
            return None
        first = min(ours, key=lambda s: int(s["id"]))
        return PostedReply(post_id=str(first["id"]), url=first.get("url"))

    def _local_id(self, to: Complaint) -> str:
        """The post's id on our instance: read there it is its id; read on another (`host:id`), our instance looks
        it up by its address (and fetches it, as any reply from here would)."""
        if ":" not in to.external_id:
            return to.external_id
        if not to.url:
            raise DeliveryFailed("The post has no address our instance could look it up by", permanent=True)
        found = self._guarded(lambda api: api.search_v2(to.url, resolve=True, result_type="statuses"))
        statuses = found["statuses"] if found else []
        if not statuses:
            raise DeliveryFailed(
                "Our Mastodon instance cannot find the post (deleted, or not federated)", permanent=True
            )
        return str(statuses[0]["id"])

    def post(self, text: str) -> PostedReply | None:
        """A public post of our own."""
        posted = self._guarded(lambda api: api.status_post(text, visibility="public"), posts=True)
        return PostedReply(post_id=str(posted["id"]), url=posted.get("url"))

    def _guarded(self, call: Callable[[Any], Any], *, posts: bool = False) -> Any:
        """One call inside the instance's request budget and, for a status, its posting budget; its answers mapped
        to retry-or-not."""
        api = self._account.api
        for lane in (LANES["mastodon.requests"], *([LANES["mastodon.post"]] if posts else [])):
            if (wait := self._pacer.slot(lane, self._account.home)) > 0:
                raise DeliveryFailed(f"{PACING} {lane.key_for(self._account.home)}", retry_after=wait, throttled=True)
        try:
            return call(api)
        except MastodonRatelimitError as exc:
            retry = wait_seconds(api, exc)
            self._pacer.pause(LANES["mastodon.requests"], self._account.home, retry)
            raise DeliveryFailed("Mastodon is rate limiting us", retry_after=retry, throttled=True) from None
        except MastodonServerError as exc:
            raise DeliveryFailed(f"Mastodon is failing ({_status(exc)})", outage=True) from None
        except MastodonNetworkError as exc:
            raise DeliveryFailed(f"Mastodon did not answer ({exc.__class__.__name__})", outage=True) from None
        except MastodonUnauthorizedError:
            raise DeliveryFailed("Mastodon refused our access token (MASTODON_ACCESS_TOKEN)", permanent=True) from None
        except MastodonNotFoundError:
            raise DeliveryFailed("Mastodon says the post is gone or hidden from us", permanent=True) from None
        except MastodonAPIError as exc:
            raise DeliveryFailed(f"Mastodon refused the reply: {_message(exc)}", permanent=True) from None


def _status(exc: MastodonAPIError) -> str:
    return str(exc.args[1]) if len(exc.args) > 1 else "5xx"


def _message(exc: MastodonAPIError) -> str:
    return str(exc.args[-1]) if exc.args else exc.__class__.__name__
