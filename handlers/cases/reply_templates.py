"""Public reply templates: placeholders for the customer's name, the case and ticket numbers, and the DM link."""

from __future__ import annotations

import string
from dataclasses import dataclass

from handlers.domain.complaint import Complaint, Delivery

PLACEHOLDERS = ("name", "handle", "case", "ticket", "dm_link")


class TemplateError(ValueError):
    """A template that cannot work; the message names it."""


@dataclass(frozen=True)
class ReplyTemplate:
    """A ready reply an agent can pick and edit."""

    name: str
    text: str

    @property
    def needs_ticket(self) -> bool:
        """True when the text quotes the ticket number (offered once the ticket exists)."""
        return "{ticket}" in self.text


def check(template: ReplyTemplate) -> ReplyTemplate:
    """Return the template, or raise TemplateError naming a placeholder that does not exist."""
    for _text, field, _spec, _conv in string.Formatter().parse(template.text):
        if field is not None and field not in PLACEHOLDERS:
            raise TemplateError(
                f"template {template.name!r} uses {{{field}}}; the placeholders are {', '.join(PLACEHOLDERS)}"
            )
    return template


def available(templates: list[ReplyTemplate], complaint: Complaint) -> list[ReplyTemplate]:
    """The templates that make sense for this complaint now."""
    has_ticket = complaint.ticket is not None and complaint.ticket.status is Delivery.SENT
    return [t for t in templates if has_ticket or not t.needs_ticket]


def values(complaint: Complaint, dm_link: str) -> dict[str, str]:
    """What each placeholder stands for in a reply to this complaint."""
    first_name = (complaint.author_name or complaint.author_handle).split()[0]
    ticket = complaint.ticket.number if complaint.ticket and complaint.ticket.number else ""
    return {
        "name": first_name,
        "handle": f"@{complaint.author_handle}",
        "case": str(complaint.id),
        "ticket": ticket,
        "dm_link": dm_link,
    }


def render(template: ReplyTemplate, complaint: Complaint, dm_link: str) -> str:
    """Fill the template in for this complaint."""
    return template.text.format(**values(complaint, dm_link))
