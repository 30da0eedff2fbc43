"""Short-lived signed links to a built-in ticket's page: made when an agent clicks "Open ticket", checked on open."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode

LINK_PATH = "/tickets/"


def _signature(secret: str, ticket_id: int, expires: int) -> str:
    message = f"ticket:{ticket_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_link(base_url: str, secret: str, ticket_id: int, now: datetime, life: timedelta) -> str:
    """A link that opens the ticket's page until `now + life`, and nothing else."""
    expires = int((now + life).timestamp())
    query = urlencode({"expires": expires, "sig": _signature(secret, ticket_id, expires)})
    return f"{base_url.rstrip('/')}{LINK_PATH}{ticket_id}?{query}"


def link_opens(secret: str, ticket_id: int, expires: str, signature: str, now: datetime) -> bool:
    """Whether a link with this expiry and signature opens ticket `ticket_id` at `now`."""
    if not expires.isdigit() or int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(_signature(secret, ticket_id, int(expires)), signature)
