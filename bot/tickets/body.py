"""The text of a ticket: who, what, the whole conversation, the agent's notes and the way back to the card."""

from __future__ import annotations

from handlers.ports.gateways import TicketRequest


def ticket_body(request: TicketRequest) -> str:
    """Plain text for a ticketing system's first comment."""
    lines = [
        f"Customer: {request.customer_name} (@{request.customer_handle} on {request.source})",
        f"Contact: {request.contact or 'not known'}",
        f"Priority: {request.priority}",
    ]
    if request.post_url:
        lines.append(f"Post: {request.post_url}")
    if request.card_url:
        lines.append(f"Squeaky card: {request.card_url}")
    if request.notes:
        lines += ["", "Notes:", request.notes]
    lines += ["", "Conversation:"]
    lines += [f"[{at:%Y-%m-%d %H:%M} UTC] @{author}: {text}" for author, text, at in request.conversation]
    return "\n".join(lines)
