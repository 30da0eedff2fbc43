"""Fakes of the social network and ticketing gateways."""

from __future__ import annotations

from datetime import datetime

from handlers.domain.complaint import Complaint
from handlers.ports.gateways import DeliveryFailed, PostedReply, TicketAddition, TicketRef, TicketRequest
from handlers.ports.private import PrivateSent


class FakeSocial:
    """A social network that takes replies (or fails as told), and knows replies an earlier try made."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []
        self.fail_with: DeliveryFailed | None = None
        self.out_there: list[str] = []  # posts we replied to that X has, even if we never heard back

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append((to.external_id, text))
        return PostedReply(f"9{len(self.posted)}", f"https://x.com/SqueakyAir/status/9{len(self.posted)}")

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        return PostedReply("77", "https://x.com/SqueakyAir/status/77") if to.external_id in self.out_there else None

    def post(self, text: str) -> PostedReply | None:
        if self.fail_with is not None:
            raise self.fail_with
        self.posted.append(("", text))
        return PostedReply(f"8{len(self.posted)}", f"https://x.com/SqueakyAir/status/8{len(self.posted)}")


class FakeTickets:
    """A ticketing system that records requests (or fails as told)."""

    system = "built-in"

    def __init__(self) -> None:
        self.requests: list[TicketRequest] = []
        self.comments: list[TicketAddition] = []
        self.fail_with: DeliveryFailed | None = None

    def create(self, request: TicketRequest) -> TicketRef:
        if self.fail_with is not None:
            raise self.fail_with
        self.requests.append(request)
        return TicketRef(f"SQ-{len(self.requests)}", f"https://squeaky.example/tickets/{len(self.requests)}")

    def add_comment(self, comment: TicketAddition, *, again: bool) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.comments.append(comment)


class FakePrivate:
    """A network's private channel that takes messages (or refuses as told), and knows a message an earlier try
    sent when the answer was lost."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (customer, text, key)
        self.fail_with: DeliveryFailed | None = None
        self.landed_anyway = False  # the next failure hides a message that did go out

    def send_private(self, to: Complaint, text: str, key: str, *, again: bool) -> PrivateSent:
        if again and any(k == key for _to, _text, k in self.sent):
            return PrivateSent("conv-1", "dm-1")  # found, not sent again
        if self.fail_with is not None:
            if self.landed_anyway:
                self.sent.append((to.author_handle, text, key))
            raise self.fail_with
        self.sent.append((to.author_handle, text, key))
        return PrivateSent("conv-1", f"dm-{len(self.sent)}")
