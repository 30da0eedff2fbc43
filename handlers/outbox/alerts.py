"""Deliver on-call alerts: pager calls (trigger, acknowledge, resolve) and channel announcements, which an alert
updates in place rather than posting again. The default pager is a chat direct message to whoever is on call."""

from __future__ import annotations

from handlers.cases.model import CardRef
from handlers.ports.gateways import ChatGateway, DeliveryFailed, Pager
from handlers.ports.persistence import OutboxMessage, UnitOfWorkFactory

NOBODY_ON_CALL = "Nobody is on call, so this goes to the channel; a team lead can set someone with `oncall set`."


class ChatPager:
    """Pages by direct message in the chat; with nobody on call, says so in the channel instead."""

    def __init__(self, chat: ChatGateway) -> None:
        self._chat = chat

    def trigger(self, key: str, summary: str, user: str | None, link: str | None) -> None:
        """DM the on-call person (link included), or announce in the channel when nobody is on call."""
        text = f"{summary} {link}" if link else summary
        if user:
            self._chat.notify(user, text, None)
        else:
            self._chat.announce(f"{text}\n{NOBODY_ON_CALL}")

    def acknowledge(self, key: str) -> None:
        """A direct message needs no acknowledging: the card shows who took it."""

    def resolve(self, key: str) -> None:
        """A direct message needs no resolving: the card shows how it ended."""


class AlertDeliveries:
    """Carries out PAGE and CHAT_ANNOUNCE outbox messages."""

    def __init__(self, uow_factory: UnitOfWorkFactory, chat: ChatGateway, pager: Pager) -> None:
        self._uow = uow_factory
        self._chat = chat
        self._pager = pager

    def _card(self, message: OutboxMessage) -> CardRef | None:
        if message.complaint_id is None:
            return None
        with self._uow() as uow:
            complaint = uow.complaints.get(message.complaint_id)
        return complaint.card if complaint is not None else None

    def _link(self, message: OutboxMessage) -> str | None:
        card = self._card(message)
        return self._chat.permalink(card) if card is not None else None

    def page(self, message: OutboxMessage) -> None:
        """Trigger, acknowledge or resolve an alert through the pager."""
        payload = message.payload
        action, alert = str(payload["action"]), str(payload["alert"])
        if action == "trigger":
            user = payload.get("user")
            self._pager.trigger(alert, str(payload["summary"]), str(user) if user else None, self._link(message))
        elif action == "acknowledge":
            self._pager.acknowledge(alert)
        elif action == "resolve":
            self._pager.resolve(alert)
        else:
            raise DeliveryFailed(f"unknown pager action {action!r}", permanent=True)

    def announce(self, message: OutboxMessage) -> None:
        """Post in the channel (the card's link added), or update the alert's earlier message."""
        payload = message.payload
        link = self._link(message)
        text = f"{payload['text']} {link}" if link else str(payload["text"])
        alert = str(payload.get("alert") or "")
        if not alert:
            self._chat.announce(text, leads=bool(payload.get("leads")))
            return
        with self._uow() as uow:
            earlier = uow.team.announcement(alert)
        ref = self._chat.announce(text, leads=bool(payload.get("leads")), ref=earlier)
        if earlier is None:
            with self._uow() as uow:
                uow.team.remember_announcement(alert, ref)
                uow.commit()
