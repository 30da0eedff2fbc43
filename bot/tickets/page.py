"""A built-in ticket's read-only page: the case, the whole conversation (its private messages marked) and its audit
trail, all of it escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from handlers.domain.complaint import AuditEvent, Complaint
from handlers.ports.gateways import OURS
from storage.sql.tickets import StoredTicket

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:46rem;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.6rem}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.2rem 1rem}
dt{color:#616061}li{margin:.4rem 0}.who{font-weight:600}.at{color:#616061;font-size:.85rem}
.private{border-left:3px solid #6b46c1;padding-left:.6rem}.dm{color:#6b46c1;font-size:.85rem}
.note{color:#616061;font-size:.85rem;border-top:1px solid #ddd;margin-top:2rem;padding-top:.5rem}
"""


def _when(at: datetime | str) -> str:
    if isinstance(at, str):
        try:
            return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return at
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _event(event: AuditEvent) -> str:
    moved = f" ({event.from_status} → {event.to_status})" if event.to_status and event.from_status else ""
    return (
        f"<li><span class=at>{escape(_when(event.at))}</span> <span class=who>@{escape(event.actor.name)}</span> "
        f"{escape(event.action)}{escape(moved)}</li>"
    )


def _said(line: dict[str, Any]) -> str:
    """One line of the conversation; a private one says so (and ours, whose it is)."""
    private = bool(line.get("private"))
    who = "us" if line.get("author") == OURS else f"@{line.get('author', '?')}"
    how = " <span class=dm>privately</span>" if private else ""
    return (
        f"<li{' class=private' if private else ''}><span class=who>{escape(who)}</span>{how} "
        f"<span class=at>{escape(_when(str(line.get('at', ''))))}</span><br>{escape(str(line.get('text', '')))}</li>"
    )


def ticket_page(ticket: StoredTicket, complaint: Complaint | None, trail: list[AuditEvent], expires: datetime) -> str:
    """The page's HTML. Every outside text is escaped; the page loads nothing else."""
    case = complaint
    facts = [
        ("Ticket", ticket.number),
        ("Status", ticket.status),
        ("Priority", ticket.priority),
        ("Opened", _when(ticket.created_at)),
    ]
    if case is not None:
        facts += [
            ("Case", f"#{case.id} ({case.status})"),
            ("Customer", f"{case.author_name} @{case.author_handle} ({case.tier})"),
            ("Topic", case.topic),
            ("Owner", f"@{case.owner.name}" if case.owner else "nobody"),
        ]
    if ticket.contact:
        facts.append(("Contact", ticket.contact))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    said = "".join(_said(m) for m in ticket.conversation)
    notes = f"<h2>Notes</h2><p>{escape(ticket.notes)}</p>" if ticket.notes else ""
    history = "".join(_event(e) for e in trail) or "<li>Nothing recorded.</li>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(ticket.number)}: {escape(ticket.subject)}</title>"
        f"<meta name=robots content=noindex><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(ticket.number)}: {escape(ticket.subject)}</h1><dl>{rows}</dl>{notes}"
        f"<h2>Conversation</h2><ol>{said}</ol><h2>What happened</h2><ol>{history}</ol>"
        f"<p class=note>Read-only. This link stops working at {escape(_when(expires))}; ask the card for a new one."
        "</p></body></html>"
    )
