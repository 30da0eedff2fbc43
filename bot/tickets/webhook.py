"""Tickets through a generic webhook: the request as JSON, signed with a shared secret (HMAC-SHA256); a private
message added to a ticket later is a `ticket.comment` event to the same address."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from bot.pacing import wait_from
from handlers.ports.gateways import DeliveryFailed, Said, TicketAddition, TicketRef, TicketRequest

SIGNATURE_HEADER = "X-Squeaky-Signature"
TIMESTAMP_HEADER = "X-Squeaky-Timestamp"


MAX_NUMBER = 64  # what the complaint's ticket number holds
MAX_URL = 2000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature of a webhook body: v1= HMAC-SHA256 over "{timestamp}.{body}"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class WebhookTickets:
    """POSTs each ticket to a URL; the receiver answers 2xx with {"number": …, "url": …} (both optional)."""

    system = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 15) -> None:
        self._url = url
        self._secret = secret
        self._timeout = timeout

    def create(self, request: TicketRequest) -> TicketRef:
        """Send the ticket; the Idempotency-Key header lets the receiver make one ticket of retries."""
        body = {
            "event": "ticket.create",
            "key": request.key,
            "complaint_id": request.complaint_id,
            "subject": request.subject,
            "priority": request.priority,
            "notes": request.notes,
            "contact": request.contact,
            "customer": {"handle": request.customer_handle, "name": request.customer_name},
            "source": request.source,
            "post_url": request.post_url,
            "card_url": request.card_url,
            "conversation": [_said(said) for said in request.conversation],
        }
        answer = self._post(body, request.key, "ticket")
        try:
            data = answer.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        return TicketRef(number=_number(data.get("number")) or request.key[:MAX_NUMBER], url=_url(data.get("url")))

    def add_comment(self, comment: TicketAddition, *, again: bool) -> None:
        """Send a `ticket.comment` event: a private message of the case, for the ticket the receiver made; its
        Idempotency-Key (one per message) lets the receiver add it once, whatever the retries."""
        body = {
            "event": "ticket.comment",
            "key": comment.key,
            "complaint_id": comment.complaint_id,
            "ticket": {"number": comment.ticket, "url": comment.ticket_url},
            "source": comment.source,
            "comment": {**_said(comment.said), "ours": comment.ours},
        }
        self._post(body, comment.key, "comment")

    def _post(self, body: dict[str, object], key: str, what: str) -> requests.Response:
        """POST one signed event; a 429 or 5xx is retried, any other refusal is final."""
        data = json.dumps(body).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, data),
        }
        try:
            answer = requests.post(self._url, data=data, headers=headers, timeout=self._timeout)
        except requests.RequestException as exc:
            raise DeliveryFailed(
                f"the ticketing webhook is unreachable ({exc.__class__.__name__})", outage=True
            ) from None
        if answer.status_code == 429 or answer.status_code >= 500:
            raise DeliveryFailed(
                f"the ticketing webhook answered {answer.status_code}",
                retry_after=wait_from({"Retry-After": answer.headers.get("Retry-After", "")}, fallback=0.0) or None,
                throttled=answer.status_code == 429,
                outage=answer.status_code >= 500,
            )
        if not answer.ok:
            raise DeliveryFailed(f"the ticketing webhook refused the {what} ({answer.status_code})", permanent=True)
        return answer


def _said(said: Said) -> dict[str, object]:
    """One line of the conversation as the webhook carries it."""
    return {"author": said.author, "text": said.text, "at": said.at.isoformat(), "private": said.private}


def _number(value: object) -> str | None:
    """The ticket number the receiver answered, as one short line of printable text (None: it gave none)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return text[:MAX_NUMBER] or None


def _url(value: object) -> str | None:
    """The ticket's address, if it is a web address of sensible length (never javascript:, data: or the like)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= MAX_URL:
        return value if value.isprintable() and " " not in value else None
    return None
