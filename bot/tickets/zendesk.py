"""Tickets in Zendesk through zenpy: the conversation as a private comment, our request key as external_id; a private
message that comes later is one more private comment."""

from __future__ import annotations

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment
from zenpy.lib.api_objects import Ticket as ZendeskTicket
from zenpy.lib.exception import APIException, ZenpyException

from bot.http_redirect import BaseUrlAdapter
from bot.pacing import wait_from
from bot.tickets.body import addition_body, ticket_body
from handlers.ports.gateways import DeliveryFailed, TicketAddition, TicketRef, TicketRequest

_PRIORITIES = {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"}


class ZendeskTickets:
    """Creates one Zendesk ticket per request (a retry finds the ticket an earlier attempt made)."""

    system = "Zendesk"

    def __init__(
        self, subdomain: str, email: str, token: str, base_url: str | None = None, timeout: float = 15
    ) -> None:
        self._host = f"https://{subdomain}.zendesk.com"
        session = requests.Session()
        if base_url:
            session.mount(self._host, BaseUrlAdapter(self._host, base_url, timeout))
        self._client = Zenpy(subdomain=subdomain, email=email, token=token, session=session, timeout=timeout)

    def _ref(self, ticket_id: int) -> TicketRef:
        return TicketRef(number=f"#{ticket_id}", url=f"{self._host}/agent/tickets/{ticket_id}")

    def create(self, request: TicketRequest) -> TicketRef:
        """Find the ticket for this request, or create it."""
        try:
            for existing in self._client.tickets(external_id=request.key):
                return self._ref(int(existing.id))
            ticket = ZendeskTicket(
                subject=request.subject,
                comment=Comment(body=ticket_body(request), public=False),
                priority=_PRIORITIES.get(request.priority, "normal"),
                external_id=request.key,
                tags=["squeaky", request.source],
            )
            audit = self._client.tickets.create(ticket)
        except (APIException, ZenpyException, requests.RequestException) as exc:
            raise _failed(exc, "the ticket") from None
        return self._ref(int(audit.ticket.id))

    def add_comment(self, comment: TicketAddition, *, again: bool) -> None:
        """Add the private message as a private comment (PUT /api/v2/tickets/{id} with `ticket.comment`); Zendesk
        has no idempotency key for an update, so a retry looks among the ticket's comments first."""
        ticket_id = comment.ticket.removeprefix("#")
        if not ticket_id.isdigit():
            raise DeliveryFailed(f"{comment.ticket} is not a Zendesk ticket number", permanent=True)
        body = addition_body(comment)
        try:
            if again and any(c.body == body for c in self._client.tickets.comments(ticket=int(ticket_id))):
                return  # an earlier try landed; its answer was lost
            self._client.tickets.update(ZendeskTicket(id=int(ticket_id), comment=Comment(body=body, public=False)))
        except (APIException, ZenpyException, requests.RequestException) as exc:
            raise _failed(exc, "the comment") from None


def _failed(exc: Exception, what: str) -> DeliveryFailed:
    """Zendesk's answer as a delivery failure: 429 waits as Zendesk says, 5xx and no answer are an outage, and any
    other refusal is final, in Zendesk's words."""
    if not isinstance(exc, APIException):
        return DeliveryFailed(f"Zendesk is unreachable ({exc.__class__.__name__})", outage=True)
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", 0) or 0
    if status == 429:  # Zendesk says how long in Retry-After
        retry = wait_from(getattr(response, "headers", None), fallback=10.0)
        return DeliveryFailed("Zendesk is rate limiting us (HTTP 429)", retry_after=retry, throttled=True)
    if status >= 500:
        return DeliveryFailed(f"Zendesk is unavailable (HTTP {status})", outage=True)
    return DeliveryFailed(f"Zendesk refused {what}: {exc}", permanent=True)
