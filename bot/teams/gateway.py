"""The Teams face's card surface and notifier: Adaptive Cards posted in the care team's channel, updated in place
for everyone, lines in the card's thread, 1:1 chats for direct messages, and the leads mentioned in a channel."""

from __future__ import annotations

import threading
from datetime import datetime
from urllib.parse import quote

from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.cards import AdaptiveCard

from bot.teams.cards import activity_card, complaint_card, followup_card, line_card
from bot.teams.connector import TeamsConnector
from bot.teams.directory import TeamsDirectory
from bot.teams.place import TeamsPlace
from bot.teams.refs import SURFACE, activity_of, teams_ref
from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import CardRef
from handlers.domain.rich_text import Line, Mention
from handlers.ports.surfaces import Notice

DEEP_LINK = "https://teams.microsoft.com/l/message/{channel}/{message}?tenantId={tenant}&parentMessageId={message}"


def message(card: AdaptiveCard) -> MessageActivityInput:
    """A message carrying `card`."""
    return MessageActivityInput().add_card(card)


class TeamsChatGateway:
    """Cards, thread lines, direct messages and announcements in Teams."""

    def __init__(self, connector: TeamsConnector, place: TeamsPlace, directory: TeamsDirectory) -> None:
        self._connector = connector
        self._place = place
        self._directory = directory
        self._chats: dict[str, str] = {}  # user id -> their 1:1 chat with the bot
        self._lock = threading.Lock()

    def post_card(self, channel: str, card: CardView) -> CardRef:
        """Post the card in the channel (the care team's unless told another)."""
        conversation = channel or self._place.channel()
        activity = message(complaint_card(card))
        sent = self._connector.send(self._place.service_url(), conversation, activity, urgent=card.uses_reserve)
        return teams_ref(conversation, sent)

    def update_card(self, ref: CardRef, card: CardView) -> None:
        """Replace the card for everyone (an update activity): somebody acted on it, so it may take the reserve."""
        activity = message(complaint_card(card))
        self._connector.update(self._place.service_url(), ref.channel, activity_of(ref), activity, urgent=True)

    def find_card(
        self, channel: str, complaint_id: int, since: datetime, tried_before: datetime | None = None
    ) -> CardRef | None:
        """None: a bot cannot read a channel's history without Microsoft Graph."""
        return None

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        """A customer's follow-up as a reply in the card's thread."""
        self._reply(ref, message(followup_card(followup)))

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        """A line of the card's history as a reply in its thread."""
        self._reply(ref, message(activity_card(line)))

    def _reply(self, ref: CardRef, activity: MessageActivityInput) -> None:
        self._connector.reply(self._place.service_url(), ref.channel, activity_of(ref), activity)

    def permalink(self, ref: CardRef) -> str | None:
        """A deep link that opens the card in Teams."""
        if ref.surface != SURFACE:
            return None
        message_id = quote(activity_of(ref), safe="")
        return DEEP_LINK.format(channel=quote(ref.channel, safe=""), message=message_id, tenant=self._place.tenant)

    def notify(self, handle: str, text: str | Line, card: CardRef | None) -> None:
        """A 1:1 message from the bot to the Teams user `handle`, with a button to the card."""
        url = self._place.service_url()
        with self._lock:
            chat = self._chats.get(handle)
        if chat is None:
            chat = self._connector.open_chat(url, handle, self._place.tenant)
            with self._lock:
                self._chats[handle] = chat
        link = self.permalink(card) if card is not None else None
        card_line = line_card(text, link=("Open the card", link) if link else None)
        self._connector.send(url, chat, message(card_line), urgent=True)

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        """Post the notice in the channel (mentioning the leads, or the queue's own group of Entra or Teams ids, when
        it calls on them), or replace the earlier one `ref`."""
        line = notice.text if isinstance(notice.text, Line) else Line.of(notice.text)
        if notice.leads:
            named = self._directory.named(notice.group) if notice.group else self._directory.leads()
            called = [Mention(name, {SURFACE: lead}) for lead, name in named]
            spans: list[Mention | str] = []
            for person in called:
                spans += [person, " "]
            line = Line((*spans, *line.spans))
        activity = message(line_card(line, take_next=notice.take_next, acknowledge_all=notice.acknowledge_all))
        url = self._place.service_url()
        if ref is not None:
            self._connector.update(url, ref.channel, activity_of(ref), activity)
            return ref
        conversation = channel or self._place.channel()
        return teams_ref(conversation, self._connector.send(url, conversation, activity))
