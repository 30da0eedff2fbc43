"""Deliver on-call alerts: pager calls (trigger, acknowledge, resolve) and channel announcements, which an alert
updates in place rather than posting again. The default pager is a chat direct message to whoever is on call, on
every surface where they have an id."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.domain.complaint import CardRef, Complaint
from handlers.domain.outbox_kinds import Announcement, Page
from handlers.domain.rich_text import Line, Link
from handlers.ports.gateways import DeliveryFailed, Pager
from handlers.ports.outbox import OutboxMessage
from handlers.ports.surfaces import Faces, Notice
from handlers.ports.unit_of_work import UnitOfWorkFactory

NOBODY_ON_CALL = "Nobody is on call, so this goes to the channel; a team lead can set someone with `oncall set`."


class ChatPager:
    """Pages by direct message in the chat tools; with nobody on call, says so in each surface's channel instead."""

    def __init__(self, uow_factory: UnitOfWorkFactory, faces: Faces) -> None:
        self._uow = uow_factory
        self._faces = faces

    def trigger(self, key: str, summary: str, user: str | None, link: str | None) -> None:
        """DM the on-call person (link included) wherever they have an id, or announce when nobody is on call."""
        text = Line.of(summary, " ", Link(link, "Open the card")) if link else Line.of(summary)
        handles: Mapping[str, str] = {}
        if user:
            with self._uow() as uow:
                person = uow.people.get_many([user]).get(user)
            handles = person.handles if person is not None else {}
        reached = False
        for surface, face in self._faces.items():
            if surface in handles:
                face.notifier.notify(handles[surface], text, None)
                reached = True
        if not reached:
            for face in self._faces.values():
                face.notifier.announce("", Notice(Line.of(*text.spans, "\n", NOBODY_ON_CALL)))

    def acknowledge(self, key: str) -> None:
        """A direct message needs no acknowledging: the card shows who took it."""

    def resolve(self, key: str) -> None:
        """A direct message needs no resolving: the card shows how it ended."""


class AlertDeliveries:
    """Carries out PAGE and CHAT_ANNOUNCE outbox messages."""

    def __init__(self, uow_factory: UnitOfWorkFactory, faces: Faces, pager: Pager) -> None:
        self._uow = uow_factory
        self._faces = faces
        self._pager = pager

    def _complaint(self, message: OutboxMessage) -> Complaint | None:
        if message.complaint_id is None:
            return None
        with self._uow() as uow:
            return uow.complaints.get(message.complaint_id)

    def _link(self, complaint: Complaint | None, surface: str | None = None) -> str | None:
        """A link to the complaint's card: the one on `surface`, or the first any surface gives."""
        if complaint is None:
            return None
        for card in complaint.cards:
            face = self._faces.get(card.surface)
            if face is not None and surface in (None, card.surface):
                link = face.cards.permalink(card)
                if link:
                    return link
        return None

    def page(self, message: OutboxMessage, body: Page) -> None:
        """Trigger, acknowledge or resolve an alert through the pager."""
        action, alert = body.action, body.alert
        if action == "trigger":
            link = self._link(self._complaint(message))
            self._pager.trigger(alert, body.summary, body.user, link)
        elif action == "acknowledge":
            self._pager.acknowledge(alert)
        elif action == "resolve":
            self._pager.resolve(alert)
        else:
            raise DeliveryFailed(f"unknown pager action {action!r}", permanent=True)

    def announce(self, message: OutboxMessage, body: Announcement) -> None:
        """Post in one surface's channel (the card's link added), or update the alert's earlier message there."""
        surface = body.surface
        face = self._faces.get(surface)
        if face is None:
            return
        link = self._link(self._complaint(message), surface)
        text = Line.of(body.text, " ", Link(link, "Open the card")) if link else Line.of(body.text)
        channel, alert = body.channel, body.alert
        notice = Notice(
            text,
            leads=body.leads,
            group=tuple(body.group.get(surface, ())),  # a queue's own leads there
            take_next=body.take_next,  # a queue's summary
            acknowledge_all=body.acknowledge_all,  # an incident
        )
        if not alert:
            face.notifier.announce(channel, notice)
            return
        key = f"{surface}:{alert}"
        with self._uow() as uow:
            earlier: CardRef | None = uow.team.announcement(key)
        ref = face.notifier.announce(channel, notice, ref=earlier)
        if earlier is None:
            with self._uow() as uow:
                uow.team.remember_announcement(key, ref)
                uow.commit()
