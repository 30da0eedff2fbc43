"""The text of a ticket: who, what, the whole conversation, the agent's notes and the way back to the card; and of a
private message added to it later."""

from __future__ import annotations

from handlers.ports.gateways import Said, TicketAddition, TicketRequest


def said_line(said: Said) -> str:
    """One line of the conversation, a private one marked as such."""
    how = " (privately)" if said.private else ""
    return f"[{said.at:%Y-%m-%d %H:%M} UTC] @{said.author}{how}: {said.text}"


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
    lines += [said_line(said) for said in request.conversation]
    return "\n".join(lines)


def addition_body(addition: TicketAddition) -> str:
    """Plain text for a private message added to the ticket: whose it is, and what it said."""
    who = "Our private answer" if addition.ours else f"Private message from the customer on {addition.source}"
    return f"{who}:\n{said_line(addition.said)}"
