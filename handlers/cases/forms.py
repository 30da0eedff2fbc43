"""Forms as models: what each action's form shows, built by the core and rendered by each face its own way (a Slack
modal, a Teams dialog). Raw outside text, which each renderer escapes."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.domain.complaint import Complaint
from handlers.ports.gateways import PostLength

PRIORITIES = ("low", "normal", "high", "urgent")
DISMISS_REASONS = ("spam", "not for us", "duplicate", "resolved elsewhere")


@dataclass(frozen=True)
class Template:
    """A reply template, filled in for this complaint."""

    name: str
    text: str


@dataclass(frozen=True)
class ReplyForm:
    """The public reply: the customer's words, templates, the text so far, its length as the network counts it,
    whether a reply is allowed at all, and what sending it costs."""

    complaint_id: int
    network: str
    author_handle: str
    quoted: str
    allowed: bool
    not_allowed: str
    templates: tuple[Template, ...]
    text: str
    length: PostLength
    rule: str  # how the network counts: "the way X counts them (…)"
    cost: float
    suggestions: tuple[Template, ...] = ()  # replies the team gave to the nearest past complaints, filled in
    suggestions_note: str = ""  # why there are none, when there are none
    can_draft: bool = False  # a drafting model is set up: the form offers "Draft"
    draft_note: str = ""  # what the last draft request came to (drafted, or why not)

    @property
    def with_link(self) -> bool:
        """Whether the reply holds a link (which changes what it costs)."""
        return self.length.links > 0


@dataclass(frozen=True)
class TicketForm:
    """Move to a ticket: where it goes, a subject to start from, the priorities, the customer's contact."""

    complaint_id: int
    system: str
    subject: str
    contact: str
    priorities: tuple[str, ...] = PRIORITIES
    priority: str = "normal"


@dataclass(frozen=True)
class DismissForm:
    """Dismiss, with one of the reasons."""

    complaint_id: int
    reasons: tuple[str, ...] = DISMISS_REASONS


@dataclass(frozen=True)
class MergeForm:
    """Merge into another case, by its number."""

    complaint_id: int


@dataclass(frozen=True)
class ReassignForm:
    """Hand the claim to another agent, picked from the team."""

    complaint_id: int
    owner: str | None  # who holds it now


def ticket_subject(complaint: Complaint) -> str:
    """The subject a ticket starts from."""
    return f"{complaint.topic.capitalize()}: complaint #{complaint.id} from @{complaint.author_handle}"[:150]


@dataclass(frozen=True)
class PrivateReplyForm:
    """Reply privately: an answer in the private conversation the case opened with its customer."""

    complaint_id: int
    network: str
    author_handle: str
    channel: str  # how the network carries it ("direct messages", "chat", "a direct post")
    limit: int = 1000
    text: str = ""  # what was typed, when the form is shown again with a refusal


Form = ReplyForm | TicketForm | DismissForm | MergeForm | ReassignForm | PrivateReplyForm
