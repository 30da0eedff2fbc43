"""A built-in ticket's page over real HTTP: only a fresh signed link opens it, and it shows nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from bot.tickets.links import signed_link
from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from handlers.ports.gateways import Said, TicketRequest
from tests.e2e.conftest import SIGNING_SECRET, Running, Start
from tests.people import slack_person

pytestmark = pytest.mark.e2e
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> & <!channel>"


@pytest.fixture
def ticketed(start_squeaky: Start) -> tuple[Running, int]:
    squeaky = start_squeaky(public_url="https://squeaky.example", ticket_link_minutes=5)
    s = squeaky.services
    post = IncomingComplaint("x", "42", "9", "mallory", HOSTILE, HOSTILE, datetime.now(UTC))
    [complaint_id] = receive(s.uow_factory, s.clock, s.dedupe, s.triage, [post]).opened
    claim(s.uow_factory, s.clock, complaint_id, slack_person(s.uow_factory, "U0ALICE", "alice"))
    assert s.builtin_tickets is not None
    request = TicketRequest(
        complaint_id, "ticket:1", HOSTILE, "high", HOSTILE, "", "mallory", HOSTILE, "x", None, None,
        [Said("mallory", HOSTILE, datetime.now(UTC))],
    )  # fmt: skip
    number = s.builtin_tickets.create(request).number
    return squeaky, int(number.removeprefix("SQ-"))


def _open(squeaky: Running, link: str) -> requests.Response:
    return requests.get(squeaky.url + link.removeprefix("https://squeaky.example"), timeout=5)


def test_a_fresh_signed_link_opens_the_page_with_outside_text_escaped(ticketed: tuple[Running, int]) -> None:
    squeaky, ticket_id = ticketed
    link = signed_link("https://squeaky.example", SIGNING_SECRET, ticket_id, datetime.now(UTC), timedelta(minutes=5))
    page = _open(squeaky, link)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script" not in page.text
    assert "<img" not in page.text and "@alice" in page.text and "claim" in page.text  # the audit trail


@pytest.mark.parametrize(
    "forge",
    [
        lambda link: link.split("?")[0],  # unsigned
        lambda link: link[:-1] + ("0" if link[-1] != "0" else "1"),  # altered signature
        lambda link: link.replace("/tickets/", "/tickets/9"),  # another ticket, same signature
        lambda link: link.replace("expires=", "expires=9"),  # a longer life, same signature
    ],
    ids=["unsigned", "altered", "other-ticket", "extended"],
)
def test_an_unsigned_or_altered_link_gets_403_and_shows_nothing(ticketed: tuple[Running, int], forge: object) -> None:
    squeaky, ticket_id = ticketed
    link = signed_link("https://squeaky.example", SIGNING_SECRET, ticket_id, datetime.now(UTC), timedelta(minutes=5))
    page = _open(squeaky, forge(link))  # type: ignore[operator]
    assert page.status_code == 403 and "mallory" not in page.text and "alert" not in page.text


def test_an_expired_link_or_one_signed_with_another_key_gets_403(ticketed: tuple[Running, int]) -> None:
    squeaky, ticket_id = ticketed
    earlier = datetime.now(UTC) - timedelta(minutes=6)
    expired = signed_link("https://squeaky.example", SIGNING_SECRET, ticket_id, earlier, timedelta(minutes=5))
    foreign = signed_link("https://squeaky.example", "not-our-secret", ticket_id, datetime.now(UTC), timedelta(5))
    for link in (expired, foreign):
        page = _open(squeaky, link)
        assert page.status_code == 403 and "mallory" not in page.text
