"""The private hand-off on Mastodon: a direct-visibility status from the brand account that mentions the customer
and nobody else (on Mastodon, `direct` reaches exactly the accounts a status mentions). The instance honours the
outbox's key as an Idempotency-Key for an hour, so a retry after a timeout gets the same status back, not a second."""

from __future__ import annotations

import re

from bot.mastodon.replies import MastodonReplies
from handlers.domain.complaint import Complaint
from handlers.ports.gateways import DeliveryFailed
from handlers.ports.private import PrivateSent

_REFUSED = "Mastodon refused the reply: "
_MENTION = re.compile(r"(?<![\w/@])@(\w+)(?:@([\w.-]+\w))?")


def others_mentioned(text: str, customer: str) -> list[str]:
    """The accounts `text` mentions besides the customer (a direct status would reach them too)."""
    user, _, host = customer.lower().partition("@")
    found = []
    for match in _MENTION.finditer(text):
        name, where = match.group(1).lower(), (match.group(2) or "").lower()
        if name != user or (where and host and where != host):
            found.append(match.group(0))
    return found


class MastodonPrivate(MastodonReplies):
    """Direct statuses as the brand account, paced as its statuses are; answers mapped as its replies' are."""

    def send_private(self, to: Complaint, text: str, key: str, *, again: bool) -> PrivateSent:
        """Post `text` as a direct status mentioning the customer only (`again` needs nothing: the key dedupes)."""
        del again
        others = others_mentioned(text, to.author_handle)
        if others:
            raise DeliveryFailed(
                f"The private message mentions {', '.join(others[:3])}: a direct post would reach them too",
                permanent=True,
            )
        user = to.author_handle.split("@", 1)[0]
        body = text if f"@{user}".lower() in text.lower() else f"@{to.author_handle} {text}"
        if self._length.measure(body).over:
            raise DeliveryFailed("The private message is longer than a Mastodon post may be", permanent=True)
        idempotency = f"squeaky-{key}".replace(":", "-")
        try:
            posted = self._guarded(
                lambda api: api.status_post(body, visibility="direct", idempotency_key=idempotency), posts=True
            )
        except DeliveryFailed as exc:
            if exc.permanent and exc.reason.startswith(_REFUSED):  # the card says who refused what
                raise DeliveryFailed(exc.reason.removeprefix(_REFUSED), permanent=True) from None
            raise
        return PrivateSent(conversation_id=str(posted["id"]), message_id=str(posted["id"]))
