"""The private hand-off on X: a direct message from the brand account through the API v2 DM endpoints
(`POST /2/dm_conversations/with/:participant_id/messages`, via tweepy), paced inside X's DM limits (200 in 15
minutes, 1,000 a day per user), apart from posts. Where the customer's DM setting keeps the brand out, X refuses,
and its words reach the card. X takes no idempotency key: a retry after an answer that never came first reads the
conversation for our message, so a DM is never sent twice."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import requests
import tweepy

from bot.pacing import LANES, Pacer
from bot.pacing import wait_from as header_wait
from bot.x.replies import reason
from bot.x.windows import heed_windows
from handlers.domain.complaint import Complaint
from handlers.ports.coordination import RateLimiter
from handlers.ports.gateways import DeliveryFailed
from handlers.ports.private import PrivateSent

_LINK = re.compile(r"https?://\S+")
log = logging.getLogger(__name__)


def same_text(sent: str, shown: str) -> bool:
    """Whether X's copy of a DM is the text we sent (X wraps links as t.co and escapes `&<>`)."""

    def bare(text: str) -> str:
        unescaped = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return " ".join(_LINK.sub("", unescaped).split())

    return bare(sent) == bare(shown)


class XPrivate:
    """Direct messages as the brand account; X's answers mapped to retry-or-not decisions the outbox understands."""

    def __init__(self, client: tweepy.Client, brand_id: Callable[[], str], limiter: RateLimiter) -> None:
        self._client = client
        self._brand_id = brand_id
        self._pacer = Pacer(limiter)
        heed_windows(client, self._pacer)  # X's own count keeps the pace when ours is lost
        self._lane = LANES["x.dm"]

    def send_private(self, to: Complaint, text: str, key: str, *, again: bool) -> PrivateSent:
        """Send the DM to the complaint's author (after looking for it, when an earlier try may have landed)."""
        del key  # X keeps none: a retry looks for the message instead
        if again and (found := self.find_sent(to, text)) is not None:
            return found
        if (wait := self._pacer.slot(self._lane)) > 0:
            raise DeliveryFailed("X's direct message limit is reached", retry_after=wait, throttled=True)
        response = self._call(lambda: self._client.create_direct_message(participant_id=to.author_id, text=text))
        data = response.data
        return PrivateSent(conversation_id=str(data["dm_conversation_id"]), message_id=str(data["dm_event_id"]))

    def find_sent(self, to: Complaint, text: str) -> PrivateSent | None:
        """Our message with this text in the conversation with the complaint's author, if an earlier try sent it."""
        response = self._call(
            lambda: self._client.get_direct_message_events(
                participant_id=to.author_id,
                dm_event_fields=["sender_id", "dm_conversation_id", "created_at"],
                event_types="MessageCreate",
                max_results=100,
            )
        )
        brand = self._brand_id()
        for event in response.data or []:
            fields = event.data if hasattr(event, "data") else event
            if str(fields.get("sender_id")) == brand and same_text(text, str(fields.get("text") or "")):
                return PrivateSent(str(fields.get("dm_conversation_id") or ""), str(fields["id"]))
        return None

    def _call(self, call: Callable[[], Any]) -> Any:
        """One DM request; X's answers mapped to retry-or-not."""
        try:
            return call()
        except tweepy.TooManyRequests as exc:
            retry = header_wait(exc.response.headers if exc.response is not None else None)
            self._pacer.pause(self._lane, "", retry)  # every worker holds back until X's window resets
            raise DeliveryFailed("X is rate limiting our direct messages", retry_after=retry, throttled=True) from None
        except (tweepy.BadRequest, tweepy.Forbidden, tweepy.Unauthorized, tweepy.NotFound) as exc:
            raise DeliveryFailed(reason(exc), permanent=True) from None
        except tweepy.TwitterServerError as exc:
            status = exc.response.status_code if exc.response is not None else "5xx"
            raise DeliveryFailed(f"X is failing ({status})", outage=True) from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"X is unreachable ({exc.__class__.__name__})", outage=True) from None
