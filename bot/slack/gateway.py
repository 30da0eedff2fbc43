"""The Slack face's card surface and notifier: posts and updates cards with the real slack-sdk WebClient, paced per
channel; and the one thing only Slack does, an ephemeral answer to one user."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.pacing import LANES, Lane, Pacer, wait_from
from bot.slack.answers import rich
from bot.slack.blocks import activity_text, card_blocks, fallback_text, followup_text, notice_blocks
from bot.slack.history import (
    AFTER_SECONDS,
    BEFORE_SECONDS,
    INTERNAL,
    NOTHING,
    RECORD_TTL_SECONDS,
    Swept,
    cards_in,
    history_limits,
    posted,
    read_record,
    record_key,
    sending,
)
from bot.slack.refs import slack_ref, ts_of
from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import CardRef
from handlers.domain.rich_text import Line
from handlers.ports.coordination import RateLimiter, SharedValues
from handlers.ports.gateways import PACING, DeliveryFailed
from handlers.ports.surfaces import Notice
from storage.memory.keys import MemoryValues

log = logging.getLogger(__name__)
_GROUP = re.compile(r"^[SUW][A-Z0-9]{2,20}$")  # a user group (S…) or a person (U…, W…) a queue names as its leads


def mention_of(slack_id: str) -> str:
    """How Slack mentions a user group or a person by id."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


# The documented paces (bot.pacing.LANES), which the settings may move.
POSTS_PER_SECOND = LANES["slack.post"].windows[0].per_second  # about one message a second per channel
POST_BURST = LANES["slack.post"].windows[0].burst  # a short burst, its last slot kept for VIP cards
UPDATES_PER_SECOND = LANES["slack.update"].windows[0].per_second  # chat.update: Tier 3, 50+ a minute
UPDATE_BURST = LANES["slack.update"].windows[0].burst
CARD_EVENT = "squeaky_card"  # message metadata that ties a Slack message to its complaint
_HISTORY_PAGES = 10

# Slack errors that no retry will fix.
_PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "invalid_blocks",
    "msg_too_long",
    "message_not_found",
    "cant_update_message",
}

# Slack errors that mean Slack itself is struggling: wait it out, like a 5xx.
_OUTAGE = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class SlackChatGateway:
    """Posts a card per complaint to a channel (the care channel unless told another), updates it in place, messages
    people, and whispers to one user."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        limiter: RateLimiter,
        *,
        posts_per_second: float = POSTS_PER_SECOND,
        post_burst: int = POST_BURST,
        updates_per_second: float = UPDATES_PER_SECOND,
        leads_group: str | None = None,
        values: SharedValues | None = None,
        distribution: str = INTERNAL,
    ) -> None:
        self._leads_group = leads_group
        self._values: SharedValues = values if values is not None else MemoryValues()
        self._history = history_limits(distribution)
        self._client = client
        self._channel = channel
        self._pacer = Pacer(limiter)
        self._post_lane = LANES["slack.post"].at_pace(posts_per_second, post_burst)
        self._update_lane = LANES["slack.update"].at_pace(updates_per_second, UPDATE_BURST)
        self._history_lane = LANES["slack.history"].at_pace(self._history.per_second, self._history.burst)
        self._swept: dict[str, Swept] = {}  # each channel's last read of its whole recent history

    def post_card(self, channel: str, card: CardView) -> CardRef:
        """chat.postMessage the card into the channel, its moment recorded first and Slack's answer after, so that a
        retry finds it without reading the channel's history."""
        channel = channel or self._channel
        self._pace_post(channel, reserve=card.uses_reserve)
        key = record_key(channel, card.complaint_id)
        self._values.put(key, sending(time.time()), RECORD_TTL_SECONDS)
        try:
            response = self._call(
                "chat.postMessage",
                channel=channel,
                text=fallback_text(card),
                blocks=card_blocks(card),
                unfurl_links=False,
                metadata={"event_type": CARD_EVENT, "event_payload": {"complaint_id": card.complaint_id}},
            )
        except DeliveryFailed as exc:
            if not exc.outage:  # Slack answered: nothing was posted
                self._values.put(key, NOTHING, RECORD_TTL_SECONDS)
            raise
        self._values.put(key, posted(str(response["ts"])), RECORD_TTL_SECONDS)
        return slack_ref(str(response["channel"]), str(response["ts"]))

    def find_card(
        self, channel: str, complaint_id: int, since: datetime, tried_before: datetime | None = None
    ) -> CardRef | None:
        """The card an earlier post may have made: from what was recorded around that post; only a post left
        uncertain reads the channel's history, a window of seconds around it, within the app's history limits. With
        no record at all, the channel's history since the complaint arrived is read once for every card in it, and
        that read answers the other retried posts of the batch (`tried_before`: their earlier tries all began before
        the read), so a killed worker's batch costs one read, not one per card."""
        channel = channel or self._channel
        recorded = read_record(self._values.get(record_key(channel, complaint_id)))
        if recorded is not None and recorded.ts is not None:
            return slack_ref(channel, recorded.ts)
        if recorded is not None and recorded.nothing:
            return None
        if recorded is not None and recorded.sent_at is not None:
            oldest, latest = recorded.sent_at - BEFORE_SECONDS, recorded.sent_at + AFTER_SECONDS
            return self._look_back(channel, complaint_id, oldest, latest)
        swept = self._swept.get(channel)
        if swept is None or not swept.answers(since.timestamp(), tried_before):
            swept = self._sweep(channel, since.timestamp(), complaint_id)
            self._swept[channel] = swept
        ts = swept.cards.get(complaint_id)
        return slack_ref(channel, ts) if ts is not None else None

    def _sweep(self, channel: str, oldest: float, wanted: int) -> Swept:
        """Every card in the channel's history since `oldest`, page by page within the app's history limits; a page
        refused once `wanted`'s card is found ends the read there (a distributed app may read one page a minute)."""
        started, cursor = time.time(), None
        cards: dict[int, str] = {}
        for _page in range(_HISTORY_PAGES):
            try:
                messages, cursor = self._history_page(channel, oldest, None, cursor)
            except DeliveryFailed:
                if wanted in cards:
                    return Swept(oldest, started, cards, complete=False)
                raise
            cards.update(cards_in(messages, CARD_EVENT))
            if not cursor:
                return Swept(oldest, started, cards, complete=True)
        return Swept(oldest, started, cards, complete=False)

    def _history_page(
        self, channel: str, oldest: float, latest: float | None, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of conversations.history, paced (a page refused for pace hands the try back), and the next
        page's cursor."""
        self._pace(self._history_lane)
        params: dict[str, object] = {
            "channel": channel,
            "oldest": f"{oldest:.6f}",
            "include_all_metadata": True,
            "limit": self._history.page,
        }
        if latest is not None:
            params["latest"] = f"{latest:.6f}"
        if cursor:
            params["cursor"] = cursor
        page = self._call("conversations.history", **params)
        next_page: dict[str, Any] = dict(page.get("response_metadata") or {})
        return list(page.get("messages") or []), next_page.get("next_cursor") or None

    def _look_back(self, channel: str, complaint_id: int, oldest: float, latest: float | None) -> CardRef | None:
        """Read the channel's history between `oldest` and `latest` for the card carrying this complaint's metadata."""
        cursor: str | None = None
        for _page in range(_HISTORY_PAGES):
            messages, cursor = self._history_page(channel, oldest, latest, cursor)
            ts = cards_in(messages, CARD_EVENT).get(complaint_id)
            if ts is not None:
                return slack_ref(channel, ts)
            if not cursor:
                return None
        return None

    def update_card(self, ref: CardRef, card: CardView) -> None:
        """chat.update the card in place, for everyone: somebody acted on it, so it may take the update budget's
        reserve, which the storm summary's redraws leave."""
        self._pace(self._update_lane, urgent=True)
        self._call(
            "chat.update", channel=ref.channel, ts=ts_of(ref), text=fallback_text(card), blocks=card_blocks(card)
        )

    def tell(self, ref: CardRef, user_id: str, text: str) -> None:
        """chat.postEphemeral a message only `user_id` sees, in the card's channel."""
        self._call("chat.postEphemeral", channel=ref.channel, user=user_id, text=text)

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        """chat.postMessage the follow-up into the card's thread (paced like any post in the channel)."""
        self._pace_post(ref.channel)
        self._call("chat.postMessage", channel=ref.channel, thread_ts=ts_of(ref), text=followup_text(followup))

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        """chat.postMessage a line of the card's history into its thread."""
        self._pace_post(ref.channel)
        self._call("chat.postMessage", channel=ref.channel, thread_ts=ts_of(ref), text=activity_text(line))

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        """chat.postMessage the notice in the channel (the lead group, or the queue's own, mentioned when it calls on
        the leads), or chat.update `ref`."""
        body = rich(notice.text, 3000)
        called = [mention_of(g) for g in notice.group if _GROUP.match(g)] or (
            [f"<!subteam^{self._leads_group}>"] if self._leads_group else []
        )
        if notice.leads and called:
            body = f"{' '.join(called)} {body}"
        buttons = notice.take_next or notice.acknowledge_all
        blocks = notice_blocks(body, notice.take_next, notice.acknowledge_all) if buttons else None
        if ref is not None:
            self._pace(self._update_lane)
            self._call("chat.update", channel=ref.channel, ts=ts_of(ref), text=body, blocks=blocks or [])
            return ref
        channel = channel or self._channel
        self._pace_post(channel)
        response = self._call("chat.postMessage", channel=channel, text=body, blocks=blocks, unfurl_links=False)
        return slack_ref(str(response["channel"]), str(response["ts"]))

    def notify(self, handle: str, text: str | Line, card: CardRef | None) -> None:
        """A direct message from the app to the Slack user `handle`, with a link to the card."""
        user_id = handle
        self._pace_post(user_id, reserve=True)  # a DM is a channel too; a page may use its whole burst
        link = self.permalink(card) if card else None
        body = rich(text, 2000) + (f"\n<{link}|Open the card>" if link else "")
        self._call("chat.postMessage", channel=user_id, text=body, unfurl_links=False)

    def permalink(self, ref: CardRef) -> str | None:
        """chat.getPermalink for the card (None if Slack will not say)."""
        try:
            answer = self._call("chat.getPermalink", channel=ref.channel, message_ts=ts_of(ref))
        except DeliveryFailed:
            return None
        link = answer.get("permalink")
        return str(link) if link else None

    def _pace_post(self, channel: str, *, reserve: bool = False) -> None:
        """A slot in the channel's posting budget, whose last token only a card that may use the reserve takes, so a
        VIP's card need not wait for the next slot (Slack allows short bursts)."""
        self._pace(self._post_lane, channel, urgent=reserve)

    def _pace(self, lane: Lane, scope: str = "", *, urgent: bool = False) -> None:
        """Take a slot, or say how long to wait: the outbox then takes the next message by rank."""
        wait = self._pacer.slot(lane, scope, urgent=urgent)
        if wait > 0:
            raise DeliveryFailed(f"{PACING} {lane.key_for(scope)}", retry_after=wait, throttled=True)

    def _call(self, method: str, **kwargs: object) -> dict[str, Any]:
        try:
            response = self._client.api_call(method, json=kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error")) if isinstance(exc.response.data, dict) else ""
            status = exc.response.status_code
            if status == 429:
                retry_after = wait_from(exc.response.headers, fallback=1.0)
                lanes = {
                    "chat.postMessage": (self._post_lane, str(kwargs.get("channel"))),
                    "chat.update": (self._update_lane, ""),
                    "conversations.history": (self._history_lane, ""),
                }
                if method in lanes:  # every process holds back, not just this one
                    self._pacer.pause(*lanes[method], retry_after)
                raise DeliveryFailed(f"Slack {method} rate limited", retry_after=retry_after, throttled=True) from None
            if status >= 500 or error in _OUTAGE:
                raise DeliveryFailed(f"Slack {method} is failing ({error or status})", outage=True) from None
            raise DeliveryFailed(f"Slack {method} failed: {error}", permanent=error in _PERMANENT) from None
        except (SlackRequestError, OSError, ValueError) as exc:  # ValueError: an answer that is not JSON
            raise DeliveryFailed(f"Slack {method} unreachable: {exc.__class__.__name__}", outage=True) from None
        return dict(response.data) if isinstance(response.data, dict) else {}
