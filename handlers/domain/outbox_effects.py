"""The outbox's messages that leave for other services than chat tools: public replies and posts on the networks,
tickets, the pager, and a lead's incident reply (given to each eligible complaint by the worker).

Idempotency keys keep the names they had before the kinds were renamed (`x.reply:…`), so a message decided before
an upgrade is never queued a second time after it, and a ticketing system that dedupes on the key never opens two."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from handlers.domain.complaint import Actor, Role
from handlers.domain.outbox_message import Outgoing, text_or_none


@dataclass(frozen=True, kw_only=True)
class SocialReply(Outgoing):
    """The public reply on the complaint's network (`source`: "x", "bsky", "mastodon"); its text is the complaint's
    reply. One lane per network: X's posting limit never holds a Bluesky reply back."""

    source: str = "x"

    KIND: ClassVar[str] = "social.reply"

    @property
    def lane(self) -> str:
        """The network's posting lane."""
        return f"social:{self.source or 'x'}"

    def to_payload(self) -> dict[str, Any]:
        """The network."""
        return {"source": self.source}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row (one written when X was the only network names none)."""
        return cls(source=str(payload.get("source") or "x"))

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of a public reply (a new one for each attempt an agent makes)."""
        return f"x.reply:{complaint_id}:{version}"


@dataclass(frozen=True, kw_only=True)
class PrivateMessage(Outgoing):
    """A private message to the complaint's customer on its network (an X direct message, a Bluesky chat message, a
    Mastodon direct post); its text is the case's private hand-off, or (`survey`) the satisfaction question asked
    when the case closed, or (`text`) an agent's answer in the conversation ("Reply privately"). One lane per network,
    apart from public posts: X counts direct messages on their own."""

    source: str = "x"
    survey: bool = False
    text: str = ""  # an agent's private answer; empty for the hand-off and the question

    KIND: ClassVar[str] = "social.private"

    @property
    def lane(self) -> str:
        """The network's private lane."""
        return f"private:{self.source or 'x'}"

    def to_payload(self) -> dict[str, Any]:
        """The network, whether it is the satisfaction question, and an agent's answer's text."""
        return (
            {"source": self.source}
            | ({"survey": True} if self.survey else {})
            | ({"text": self.text} if self.text else {})
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        source, text = str(payload.get("source") or "x"), str(payload.get("text") or "")
        return cls(source=source, survey=bool(payload.get("survey")), text=text)

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of a private hand-off (a new one for each attempt an agent makes)."""
        return f"social.private:{complaint_id}:{version}"

    @staticmethod
    def reply_key(complaint_id: int, version: int) -> str:
        """Idempotency key of an agent's private answer (the case's version after it: one per answer)."""
        return f"social.private:reply:{complaint_id}:{version}"

    @staticmethod
    def survey_key(complaint_id: int) -> str:
        """Idempotency key of a case's satisfaction question: one per case, ever."""
        return f"social.private:survey:{complaint_id}"


@dataclass(frozen=True, kw_only=True)
class StatusPost(Outgoing):
    """A standalone post from the brand account on a network (an incident's status update)."""

    text: str
    source: str = "x"

    KIND: ClassVar[str] = "social.status"

    @property
    def lane(self) -> str:
        """The network's posting lane, shared with its replies."""
        return f"social:{self.source or 'x'}"

    def to_payload(self) -> dict[str, Any]:
        """The words and the network."""
        return {"text": self.text, "source": self.source}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(text=str(payload["text"]), source=str(payload.get("source") or "x"))

    @staticmethod
    def key(incident_reply_key: str) -> str:
        """Idempotency key of the status post that goes with a lead's incident reply."""
        return f"x.status:{incident_reply_key}"


@dataclass(frozen=True, kw_only=True)
class TicketCreate(Outgoing):
    """Open a ticket with the whole conversation in the system of record."""

    priority: str = "normal"
    notes: str = ""
    contact: str = ""

    KIND: ClassVar[str] = "ticket.create"

    @property
    def lane(self) -> str:
        """The ticketing system's lane."""
        return "tickets"

    def to_payload(self) -> dict[str, Any]:
        """The agent's choices."""
        return {"priority": self.priority, "notes": self.notes, "contact": self.contact}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(
            priority=str(payload.get("priority") or "normal"),
            notes=str(payload.get("notes") or ""),
            contact=str(payload.get("contact") or ""),
        )

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of a ticket creation (a new one for each attempt an agent makes)."""
        return f"ticket.create:{complaint_id}:{version}"


@dataclass(frozen=True, kw_only=True)
class TicketComment(Outgoing):
    """Add one private message of the case (the customer's, or ours) to its ticket's conversation in the system of
    record, once the ticket is out: the message by its network and id."""

    source: str
    external_id: str
    complaint: int  # the case: its ticket's own lane

    KIND: ClassVar[str] = "ticket.comment"

    @property
    def lane(self) -> str:
        """The case's ticket's own lane: Zendesk limits the updates of one ticket (30 in 10 minutes), and a chatty
        conversation waiting out that limit never holds back another case's ticket."""
        return f"tickets:{self.complaint}"

    def to_payload(self) -> dict[str, Any]:
        """The message and its case."""
        return {"source": self.source, "external_id": self.external_id, "complaint": self.complaint}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(
            source=str(payload["source"]), external_id=str(payload["external_id"]), complaint=int(payload["complaint"])
        )

    @staticmethod
    def key(source: str, external_id: str) -> str:
        """Idempotency key of a message's addition to its ticket: one per private message, ever."""
        return f"ticket.comment:{source}:{external_id}"


@dataclass(frozen=True, kw_only=True)
class Page(Outgoing):
    """Trigger, acknowledge or resolve an on-call alert through the pager (`user`: who is on call, for a trigger)."""

    action: str
    alert: str
    summary: str = ""
    user: str | None = None

    KIND: ClassVar[str] = "pager.page"

    @property
    def lane(self) -> str:
        """The pager's lane."""
        return "pager"

    def to_payload(self) -> dict[str, Any]:
        """The action, the alert and, for a trigger, what it says and to whom."""
        payload: dict[str, Any] = {"action": self.action, "alert": self.alert}
        if self.summary:
            payload["summary"] = self.summary
        if self.action == "trigger":
            payload["user"] = self.user
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(
            action=str(payload["action"]),
            alert=str(payload["alert"]),
            summary=str(payload.get("summary") or ""),
            user=text_or_none(payload.get("user")),
        )

    @staticmethod
    def key(alert: str, action: str, at: str) -> str:
        """Idempotency key of one pager call about an alert."""
        return f"page:{alert}:{action}:{at}"


def complaint_alert(complaint_id: int) -> str:
    """The pager's alert key for a complaint waiting for an owner (its dedup key)."""
    return f"squeaky-complaint-{complaint_id}"


@dataclass(frozen=True, kw_only=True)
class IncidentReplies(Outgoing):
    """A lead's incident reply (`text`), to be given to each eligible complaint of the incident they answered: the
    incident as the lead saw it, and the lead (checked when they sent it)."""

    incident: str  # the incident's key
    title: str = ""
    queue: str | None = None
    topic: str | None = None
    since: datetime | None = None
    cluster: str | None = None
    text: str
    lead: Actor

    KIND: ClassVar[str] = "incident.replies"

    @property
    def lane(self) -> str:
        """The incidents' lane."""
        return "incidents"

    def to_payload(self) -> dict[str, Any]:
        """The incident, the reply and the lead."""
        return {
            "key": self.incident,
            "title": self.title,
            "queue": self.queue,
            "topic": self.topic,
            "since": self.since.isoformat() if self.since else None,
            "cluster": self.cluster,
            "text": self.text,
            "who": self.lead.id,
            "name": self.lead.name,
            "surface": self.lead.surface,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        since = payload.get("since")
        lead_roles = frozenset({Role.AGENT, Role.LEAD})
        return cls(
            incident=str(payload["key"]),
            title=str(payload.get("title") or payload["key"]),
            queue=text_or_none(payload.get("queue")),
            topic=text_or_none(payload.get("topic")),
            since=datetime.fromisoformat(str(since)) if since else None,
            cluster=text_or_none(payload.get("cluster")),
            text=str(payload["text"]),
            lead=Actor(str(payload["who"]), str(payload["name"]), str(payload["surface"]), lead_roles),
        )

    @staticmethod
    def key(incident: str, at: datetime) -> str:
        """Idempotency key of one incident reply a lead sent."""
        return f"incident.replies:{incident}:{at.strftime('%Y%m%dT%H%M%S%f')}"
