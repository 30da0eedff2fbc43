"""Tickets in Zendesk through zenpy: the conversation as a private comment, our request key as external_id."""

from __future__ import annotations

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment
from zenpy.lib.api_objects import Ticket as ZendeskTicket
from zenpy.lib.exception import APIException, ZenpyException

from bot.http_redirect import BaseUrlAdapter
from bot.pacing import wait_from
from bot.tickets.body import ticket_body
from handlers.ports.gateways import DeliveryFailed, TicketRef, TicketRequest

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
        except APIException as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", 0) or 0
            if status == 429:  # Zendesk says how long in Retry-After
                retry = wait_from(getattr(response, "headers", None), fallback=10.0)
                raise DeliveryFailed(
                    "Zendesk is rate limiting us (HTTP 429)", retry_after=retry, throttled=True
                ) from None
            if status >= 500:
                raise DeliveryFailed(f"Zendesk is unavailable (HTTP {status})", outage=True) from None
            raise DeliveryFailed(f"Zendesk refused the ticket: {exc}", permanent=True) from None
        except (ZenpyException, requests.RequestException) as exc:
            raise DeliveryFailed(f"Zendesk is unreachable ({exc.__class__.__name__})", outage=True) from None
        return self._ref(int(audit.ticket.id))
