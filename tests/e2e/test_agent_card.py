"""The agent's card end to end: the real Bolt app over HTTP, signed clicks and modal submissions, the local Slack,
X and Zendesk servers, a signed webhook receiver, real PostgreSQL and Redis."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.interactions import (
    block_action,
    post_command,
    post_signed,
    slash_command,
    view_action,
    view_submission,
)
from sandbox.server import LocalServer, Request, Response
from sandbox.zendesk_api import LocalZendesk
from storage.sql.tables import audit_events, tickets
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.people import slack_ids

pytestmark = pytest.mark.e2e
WEBHOOK_SECRET = "webhook-secret-for-tests-42"


class WebhookReceiver(LocalServer):
    """A ticketing system behind a webhook: checks the signature, makes one ticket per Idempotency-Key."""

    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Response:
        timestamp = request.headers.get("x-squeaky-timestamp", "")
        expected = (
            "v1="
            + hmac.new(WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected, request.headers.get("x-squeaky-signature", "")):
            return Response(401, {"error": "bad signature"})
        key = request.headers.get("idempotency-key", "")
        self.tickets.setdefault(key, {"number": f"WH-{len(self.tickets) + 1}", **(request.json() or {})})
        number = self.tickets[key]["number"]
        return Response(201, {"number": number, "url": f"https://tickets.example/{number}"})


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


# --- helpers: what a person does in Slack ------------------------------------------------


def new_card(squeaky: Running, text: str = "@SqueakyAir my bag never arrived, flight SQ212") -> dict[str, Any]:
    before = len(squeaky.slack.channel_messages(CHANNEL))
    squeaky.x.add_tweet("maria_k", text)
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    # the background worker works the stream and the outbox as well as this thread: whichever gets there first
    squeaky.slack.wait_for(lambda: len(squeaky.slack.channel_messages(CHANNEL)) > before or squeaky.work())
    return squeaky.slack.channel_messages(CHANNEL)[-1]


def click(squeaky: Running, user: str, card: dict[str, Any], action_id: str, *, selected: str | None = None) -> None:
    complaint_id = _complaint_id(card)
    payload = block_action(f"U0{user.upper()}", user, action_id, complaint_id, CHANNEL, card["ts"], selected=selected)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200


def submit(squeaky: Running, user: str, view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    answer = post_signed(squeaky.events_url, SIGNING_SECRET, view_submission(f"U0{user.upper()}", user, view, answers))
    assert answer.status_code == 200
    return answer.json() if answer.text else {}


def opened_view(squeaky: Running, count: int) -> dict[str, Any]:
    return squeaky.slack.wait_for(lambda: len(squeaky.slack.views) >= count and squeaky.slack.views[count - 1])


def card_shows(squeaky: Running, text: str, timeout: float = 10) -> str:
    """Wait until the card shows `text` (the listener's own dispatch may still be running); return the card."""
    deadline = time.monotonic() + timeout
    while True:
        squeaky.work()
        shown = json.dumps(squeaky.slack.channel_messages(CHANNEL)[-1]["blocks"])
        if text in shown or time.monotonic() > deadline:
            assert text in shown, f"the card never showed {text!r}: {shown}"
            return shown
        time.sleep(0.1)


def card_showed(squeaky: Running, text: str, timeout: float = 10) -> None:
    """Wait until the card has shown `text` at some point: a passing state (pending, retrying) may be gone already.
    The background worker does the work: a lane paused by an outage keeps `work()` from returning."""

    def shown() -> bool:
        calls = squeaky.slack.calls_to("chat.postMessage") + squeaky.slack.calls_to("chat.update")
        return any(text in json.dumps(call.params.get("blocks")) for call in calls)

    squeaky.slack.wait_for(shown, timeout)


def _complaint_id(card: dict[str, Any]) -> str:
    return next(b["block_id"].split(":")[1] for b in card["blocks"] if b.get("type") == "actions")


def open_ticket_page(squeaky: Running, card: dict[str, Any], user: str = "alice") -> str:
    """Click "Open ticket", follow the link only the clicker was shown, and return the page."""
    before = len(squeaky.slack.calls_to("chat.postEphemeral"))
    click(squeaky, user, card, action_ids.OPEN_TICKET)
    told = squeaky.slack.wait_for(lambda: squeaky.slack.calls_to("chat.postEphemeral")[before:])[0]
    assert told.params["user"] == f"U0{user.upper()}"
    link = re.search(r"<(https://squeaky\.example(/tickets/\d+\?[^|>]+))\|Open the ticket>", told.params["text"])
    assert link is not None, told.params["text"]
    answer = requests.get(squeaky.url + html.unescape(link.group(2)), timeout=5)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    return answer.text


# --- the journey, once per ticketing system ------------------------------------------------


@pytest.mark.parametrize("system", ["builtin", "zendesk", "webhook"])
def test_claim_acknowledge_ticket_close(
    start_squeaky: Start, zendesk: LocalZendesk, webhook: WebhookReceiver, system: str
) -> None:
    settings: dict[str, Any] = {"ticket_system": system, "public_url": "https://squeaky.example"}
    if system == "zendesk":
        settings.update(
            zendesk_subdomain="squeaky",
            zendesk_email=zendesk.email,
            zendesk_api_token=zendesk.token,
            zendesk_url=zendesk.url,
        )
    if system == "webhook":
        settings.update(ticket_webhook_url=f"{webhook.url}/tickets", ticket_webhook_secret=WEBHOOK_SECRET)
    squeaky = start_squeaky(**settings)
    card = new_card(squeaky)
    tweet_id = next(iter(squeaky.x.tweets))

    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    view = opened_view(squeaky, 1)
    shown = json.dumps(view)
    assert "A public reply is allowed" in shown and "We hear you, DM us" in shown
    assert "costs *$0.20* (a post with a link)" in shown  # the first template carries the DM link

    # typing updates the count the X way, and the price: no link, one plain post
    text = "Hi Maria, so sorry about your bag. Please DM us your booking reference and we will sort it out today."
    typing = view_action("U0ALICE", "alice", view, action_ids.REPLY_TEXT, "text:0", {"text:0": text}, text)
    assert post_signed(squeaky.events_url, SIGNING_SECRET, typing).status_code == 200
    updated = squeaky.slack.wait_for(
        lambda: "costs *$0.015*" in json.dumps(squeaky.slack.views[0]) and squeaky.slack.views[0]
    )
    assert f"*{len(text)}/280*" in json.dumps(updated)

    assert submit(squeaky, "alice", updated, {"text:0": text}) == {}
    card_shows(squeaky, "Replied publicly")
    [reply] = squeaky.x.posted
    assert reply["text"] == text and reply["referenced_tweets"] == [{"type": "replied_to", "id": tweet_id}]

    click(squeaky, "alice", card, action_ids.TICKET)
    ticket_view = opened_view(squeaky, 2)
    assert (
        submit(squeaky, "alice", ticket_view, {"subject": "Lost bag SQ212", "priority": "high", "notes": "VIP-ish"})
        == {}
    )
    shown = card_shows(squeaky, ":ticket: *Ticket ")
    if system == "builtin":
        assert ":ticket: *Ticket SQ-1* in Squeaky" in shown and "Open ticket" in shown  # no standing link
        with squeaky.services.engine.connect() as connection:
            row = connection.execute(select(tickets)).mappings().one()
        assert (row["subject"], row["priority"]) == ("Lost bag SQ212", "high")
        assert [m["text"] for m in row["conversation"]][:2] == ["@SqueakyAir my bag never arrived, flight SQ212", text]
        page = open_ticket_page(squeaky, card)
        assert "SQ-1: Lost bag SQ212" in page and "my bag never arrived" in page and "@alice" in page
    elif system == "zendesk":
        [created] = zendesk.tickets.values()
        assert created["subject"] == "Lost bag SQ212" and created["priority"] == "high"
        assert (
            "my bag never arrived" in created["description"]
            and "squeaky-local.slack.com/archives" in created["description"]
        )
        assert f"<https://squeaky.zendesk.com/agent/tickets/{created['id']}|#{created['id']}>" in shown
    else:
        [created] = webhook.tickets.values()
        assert created["subject"] == "Lost bag SQ212" and created["card_url"].startswith(
            "https://squeaky-local.slack.com/"
        )
        assert "<https://tickets.example/WH-1|WH-1>" in shown

    click(squeaky, "alice", card, action_ids.CLOSE)
    card_shows(squeaky, ":white_check_mark: *Closed*")
    closed = "<@U0ALICE> closed this"  # the thread line follows the card's own update
    squeaky.slack.wait_for(lambda: closed in [m["text"] for m in squeaky.slack.thread(CHANNEL, card["ts"])])
    history = [m["text"] for m in squeaky.slack.thread(CHANNEL, card["ts"])]
    assert history[0] == "<@U0ALICE> claimed this" and history[-1] == closed
    assert "<@U0ALICE> replied publicly on X" in history and any(
        "moved this offline to a ticket in" in line for line in history
    )
    assert not [line for line in history if "on its way" in line or "now" in line]  # the lines stay true once done


# --- when the outside world says no, or is down -------------------------------------------------


def test_a_reply_x_refuses_shows_why(squeaky: Running) -> None:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    squeaky.x.fail_next("post", 403, {"title": "Forbidden", "detail": "You are not allowed to reply.", "status": 403})
    submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": "Hi!"})
    shown = card_shows(squeaky, "Public reply refused*: X refused the reply")
    assert squeaky.x.posted == []
    assert "Acknowledge publicly" in shown  # it can be written again


def test_an_x_outage_during_the_reply_is_retried_and_sends_once(squeaky: Running) -> None:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    squeaky.x.fail_next("post", 503, {"title": "Service Unavailable"}, count=1)
    submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": "Hi Maria, on it."})
    card_showed(squeaky, "Public reply on its way")
    card_showed(squeaky, "Public reply on its way to X* (retrying: X is failing (503))")
    card_shows(squeaky, "Replied publicly")
    assert len(squeaky.x.posted) == 1


def test_x_refusing_a_duplicate_is_read_as_already_posted(squeaky: Running) -> None:
    """The first try lands but its answer is lost, and the look-up fails too: the second try hears "duplicate
    content" from X, which means the reply is out. The card shows that one post, and nothing is posted twice."""
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    squeaky.x.slow_next("post", 16)  # posted, answered after our 15 s timeout
    squeaky.x.fail_next("timeline", 400, {"title": "Invalid Request", "detail": "One or more parameters…"})
    text = "Hi Maria, we hear you & we're on it <3 DM us: https://x.com/messages/compose"
    submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": text})
    [reply] = squeaky.slack.wait_for(lambda: squeaky.x.posted)
    shown = card_shows(squeaky, "Replied publicly", timeout=60)
    assert f"https://x.com/SqueakyAir/status/{reply['id']}" in shown
    assert len(squeaky.x.posted) == 1
    refused = [r for r in squeaky.x.requests if r.method == "POST" and r.path == "/2/tweets"]
    assert len(refused) == 2  # the second try was refused as duplicate content, and read as "already out"
    assert reply["text"].startswith("Hi Maria, we hear you &amp; we're on it &lt;3 DM us: https://t.co/")


def test_a_ticketing_outage_leaves_the_ticket_pending_then_creates_it(
    start_squeaky: Start, zendesk: LocalZendesk
) -> None:
    squeaky = start_squeaky(
        ticket_system="zendesk", zendesk_subdomain="squeaky", zendesk_email=zendesk.email,
        zendesk_api_token=zendesk.token, zendesk_url=zendesk.url,
    )  # fmt: skip
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.TICKET)
    zendesk.fail_next("POST", 503, {"error": "maintenance"}, count=2)
    submit(squeaky, "alice", opened_view(squeaky, 1), {"subject": "Lost bag"})
    card_showed(squeaky, "Ticket pending* in Zendesk: retrying: Zendesk is unavailable (HTTP 503)")
    card_shows(squeaky, "|#1001>* in Zendesk")
    assert len(zendesk.tickets) == 1


# --- who may click what, and two at once ---------------------------------------------------------


def test_concurrent_claims_make_one_owner_and_clear_answers(squeaky: Running) -> None:
    card = new_card(squeaky)
    agents = [f"agent{n}" for n in range(20)]
    start = threading.Barrier(len(agents))

    def go(name: str) -> int:
        start.wait()
        payload = block_action(f"U0{name.upper()}", name, action_ids.CLAIM, _complaint_id(card), CHANNEL, card["ts"])
        return post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code

    threads_out: list[int] = []
    workers = [threading.Thread(target=lambda n=n: threads_out.append(go(n))) for n in agents]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert threads_out == [200] * 20
    refusals = squeaky.slack.wait_for(
        lambda: len(squeaky.slack.calls_to("chat.postEphemeral")) >= 19 and squeaky.slack.calls_to("chat.postEphemeral")
    )
    assert len(refusals) == 19 and all(r.params["text"].startswith("Already claimed by @agent") for r in refusals)
    with squeaky.services.engine.connect() as connection:
        claims = connection.execute(select(audit_events.c.actor_id).where(audit_events.c.action == "claim")).all()
    assert len(claims) == 1


def test_someone_outside_the_care_team_is_told_and_audited(start_squeaky: Start, local_slack: Any) -> None:
    local_slack.usergroups["S0CARE"] = ["U0ALICE"]
    local_slack.usergroups["S0LEADS"] = ["U0LEA"]
    squeaky = start_squeaky(slack_agents_group="S0CARE", slack_leads_group="S0LEADS")
    card = new_card(squeaky)
    click(squeaky, "eve", card, action_ids.CLAIM)
    [refusal] = local_slack.wait_for(lambda: local_slack.calls_to("chat.postEphemeral"))
    assert refusal.params["user"] == "U0EVE" and "not on the care team" in refusal.params["text"]
    with squeaky.services.engine.connect() as connection:
        ids = slack_ids(connection)
        audited = connection.execute(select(audit_events.c.action, audit_events.c.actor_id)).all()
    assert [(action, ids.get(actor)) for action, actor in audited] == [("refused:claim", "U0EVE")]
    # a lead may hand alice's claim to someone else; the picker is in the card's menu
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "lea", card, action_ids.MORE, selected=f"reassign:{_complaint_id(card)}")
    local_slack.add_user("U0ALICE", "alice")
    assert submit(squeaky, "lea", opened_view(squeaky, 1), {"agent": "U0ALICE"}) == {}


def test_slack_slow_to_say_who_is_on_the_team_never_holds_an_answer_past_3_seconds(
    start_squeaky: Start, local_slack: Any
) -> None:
    """Slack answers usergroups.users.list and users.info after 5 s: clicks, /squeaky and the reassign form are
    still answered within Slack's 3 s (from a cache, or with a short ack and the answer after)."""
    local_slack.usergroups.update({"S0CARE": ["U0ALICE", "U0BOB", "U0LEA"], "S0LEADS": ["U0LEA"]})
    local_slack.add_user("U0BOB", "bob")
    local_slack.slow_next("usergroups.users.list", 5, count=50)
    local_slack.slow_next("users.info", 5, count=50)
    squeaky = start_squeaky(slack_agents_group="S0CARE", slack_leads_group="S0LEADS")
    card = new_card(squeaky)

    def answered_in_time(send: Any) -> Any:
        started = time.monotonic()
        answer = send()
        assert time.monotonic() - started < 3.0, "Slack would have given up on this answer"
        return answer

    answered_in_time(lambda: click(squeaky, "alice", card, action_ids.CLAIM))
    command = slash_command("U0LEA", "lea", "stats today", CHANNEL, local_slack.response_url())
    ack = answered_in_time(lambda: post_command(squeaky.events_url, SIGNING_SECRET, command))
    assert ack.status_code == 200
    if "Working on it" in ack.text:  # the answer follows through the response_url
        local_slack.wait_for(lambda: local_slack.responses, timeout=20)
    card_shows(squeaky, "Claimed by <@U0ALICE>", timeout=20)
    answered_in_time(lambda: click(squeaky, "lea", card, action_ids.MORE, selected=f"reassign:{_complaint_id(card)}"))
    view = opened_view(squeaky, 1)
    answered_in_time(lambda: submit(squeaky, "lea", view, {"agent": "U0BOB"}))
    card_shows(squeaky, "Claimed by <@U0BOB>", timeout=20)


def test_a_modal_refusal_shows_in_the_modal(squeaky: Running) -> None:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    answer = submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": "x" * 300})
    assert answer["response_action"] == "errors" and "300 characters" in answer["errors"]["text:0"]
    assert squeaky.x.posted == []


def test_escalation_and_dismissal_from_the_menu(squeaky: Running) -> None:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.MORE, selected=f"escalate:{_complaint_id(card)}")
    [ping] = squeaky.slack.wait_for(lambda: squeaky.slack.dm("U0ONCALL"))  # the worker delivers it
    assert "@alice escalated complaint" in ping["text"] and "squeaky-local.slack.com/archives" in ping["text"]
    click(squeaky, "alice", card, action_ids.MORE, selected=f"dismiss:{_complaint_id(card)}")
    assert submit(squeaky, "alice", opened_view(squeaky, 1), {"reason": "not for us"}) == {}
    card_shows(squeaky, "Dismissed*: not for us")
    assert requests.get(f"{squeaky.url}/healthz", timeout=5).ok


def test_a_customer_answering_our_public_reply_lands_on_the_case(squeaky: Running) -> None:
    card = new_card(squeaky)
    click(squeaky, "alice", card, action_ids.CLAIM)
    card_shows(squeaky, "Claimed by <@U0ALICE>")
    click(squeaky, "alice", card, action_ids.ACKNOWLEDGE)
    submit(squeaky, "alice", opened_view(squeaky, 1), {"text:0": "Hi Maria, DM us please."})
    card_shows(squeaky, "Replied publicly")
    [ours] = squeaky.x.posted
    squeaky.x.add_tweet("maria_k", "@SqueakyAir done, sent you a DM", in_reply_to=ours["id"])
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    card_shows(squeaky, "1 follow-up in thread")
    assert len(squeaky.slack.channel_messages(CHANNEL)) == 1
    answered = squeaky.slack.wait_for(
        lambda: [m["text"] for m in squeaky.slack.thread(CHANNEL, card["ts"]) if "done, sent you a DM" in m["text"]]
    )
    assert "reply in the thread" in answered[0]
