"""Answers from services Squeaky calls are outside input too: PagerDuty's, as its Events API documents them and as a
proxy in between might garble them, each become a clear delivery failure the outbox knows how to treat."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from bot.paging.pagerduty import PagerDutyPager
from handlers.ports.gateways import DeliveryFailed
from sandbox.pagerduty_api import LocalPagerDuty

pytestmark = pytest.mark.e2e
ENQUEUE = "/v2/enqueue"


@pytest.fixture
def pagerduty() -> Iterator[LocalPagerDuty]:
    server = LocalPagerDuty()
    server.start()
    yield server
    server.stop()


def _refused(pager: PagerDutyPager) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as refused:
        pager.trigger("squeaky-complaint-1", "VIP waiting", None, None)
    return refused.value


def test_a_rate_limit_says_when_to_come_back_in_either_form_and_within_reason(pagerduty: LocalPagerDuty) -> None:
    pager = PagerDutyPager(pagerduty.routing_key, pagerduty.url + ENQUEUE)
    cases = {
        formatdate(time.time() + 40, usegmt=True): (35, 41),  # an HTTP date, as RFC 9110 allows
        "12": (12, 12),
        "soon": (30, 30),  # unreadable: the default wait, never a crash
        "99999999": (3600, 3600),  # an hour at most
        "-5": (30, 30),
    }
    for header, (least, most) in cases.items():
        pagerduty.fail_next(ENQUEUE, 429, {"status": "throttled"}, {"Retry-After": header})
        failed = _refused(pager)
        assert failed.throttled and failed.retry_after is not None, header
        assert least <= failed.retry_after <= most, (header, failed.retry_after)


def test_a_refusal_is_one_short_line_whatever_came_back(pagerduty: LocalPagerDuty) -> None:
    documented = _refused(PagerDutyPager("not-our-routing-key", pagerduty.url + ENQUEUE))  # the stand-in's real 400
    assert documented.permanent
    assert documented.reason == "PagerDuty refused the event: Event object is invalid; 'routing_key' is invalid"
    pager = PagerDutyPager(pagerduty.routing_key, pagerduty.url + ENQUEUE)
    garbled = b"<html>\r\n<script>alert(1)</script>\n\x00\x1b[31mBad request" + b"!" * 5000 + b"</html>"
    pagerduty.fail_next(ENQUEUE, 400, garbled, {"Content-Type": "text/html"})
    failed = _refused(pager)
    assert failed.permanent and "\n" not in failed.reason and "\r" not in failed.reason and "\x1b" not in failed.reason
    assert failed.reason.startswith("PagerDuty refused the event: <html> <script>") and len(failed.reason) < 240
