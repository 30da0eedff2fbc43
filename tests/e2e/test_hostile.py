"""Hostile requests end to end: bad signatures change nothing, and secrets never reach logs, cards or the audit."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.logs import MASK, setup_logging
from bot.slack import action_ids
from sandbox.interactions import block_action, post_command, post_signed, slash_command
from sandbox.pagerduty_api import LocalPagerDuty
from storage.sql.tables import audit_events, complaints, sla_policies
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_agent_card import WEBHOOK_SECRET, WebhookReceiver
from tests.e2e.test_teams import ALICE, arrive, complaint_of
from tests.people import owner_column, owners_joined

pytestmark = pytest.mark.e2e


def _card(squeaky: Running) -> tuple[str, str]:
    squeaky.x.add_tweet("maria_k", "@SqueakyAir my bag never arrived")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    card = squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())[-1]
    return "1", str(card["ts"])


def _state(squeaky: Running) -> tuple[object, ...]:
    with squeaky.services.engine.connect() as connection:
        return (
            tuple(
                connection.execute(
                    select(complaints.c.status, complaints.c.version, owner_column()).select_from(owners_joined())
                ).all()
            ),
            connection.execute(select(func.count()).select_from(audit_events)).scalar(),
            connection.execute(select(func.count()).select_from(sla_policies)).scalar(),
        )


def _send(url: str, body: str, headers: dict[str, str]) -> int:
    return requests.post(url, data=body.encode(), headers=headers, timeout=10).status_code


def _signed_headers(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or "",
    }


def test_forged_stale_unsigned_and_tampered_requests_are_refused_and_change_nothing(squeaky: Running) -> None:
    complaint_id, ts = _card(squeaky)
    claim = urlencode(
        {"payload": json.dumps(block_action("U0EVE", "eve", action_ids.CLAIM, complaint_id, CHANNEL, ts))}
    )
    command = urlencode(slash_command("U0EVE", "eve", "sla set vip 1", CHANNEL, squeaky.slack.response_url()))
    before = _state(squeaky)
    now = int(time.time())
    for body in (claim, command):
        assert _send(squeaky.events_url, body, _signed_headers(body, now, "not-the-secret")) == 401  # forged
        assert _send(squeaky.events_url, body, _signed_headers(body, now - 6 * 60)) == 401  # replayed, 6 min old
        assert _send(squeaky.events_url, body, {"Content-Type": "application/x-www-form-urlencoded"}) == 401
        tampered = body.replace("eve", "lea")
        assert _send(squeaky.events_url, tampered, _signed_headers(body, now)) == 401  # changed after signing
    time.sleep(0.5)  # anything a listener might have started has had time to write
    assert _state(squeaky) == before
    assert squeaky.slack.calls_to("chat.postEphemeral") == []


@pytest.fixture
def product_logging() -> Iterator[None]:
    """The product's own logging (as the processes set it up), restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in CHATTY})
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


CHATTY = ("tweepy", "urllib3", "slack_sdk", "slack_bolt", "requests_oauthlib", "oauthlib")


def test_secrets_never_reach_logs_cards_or_the_audit_trail(
    start_squeaky: Start, capfd: pytest.CaptureFixture[str], product_logging: None
) -> None:
    squeaky = start_squeaky()
    setup_logging(squeaky.settings.secret_values(), logging.DEBUG)
    for name in CHATTY:  # an operator debugging at DEBUG everywhere: tweepy then logs its request headers
        logging.getLogger(name).setLevel(logging.DEBUG)
    complaint_id, ts = _card(squeaky)
    post_signed(
        squeaky.events_url, SIGNING_SECRET, block_action("U0ANN", "ann", action_ids.CLAIM, complaint_id, CHANNEL, ts)
    )
    post_command(
        squeaky.events_url,
        SIGNING_SECRET,
        slash_command("U0ANN", "ann", "stats", CHANNEL, squeaky.slack.response_url()),
    )
    requests.post(f"{squeaky.url}/intake", data=b"{", headers={"Authorization": "Bearer wrong-token"}, timeout=10)
    squeaky.slack.wait_for(lambda: squeaky.slack.calls_to("chat.update") or squeaky.work())
    secrets = [v for v in squeaky.settings.secret_values() if len(v) >= 8]
    assert {squeaky.slack.token, squeaky.x.bearer_token, INTAKE_TOKEN, SIGNING_SECRET} <= set(secrets)
    logged = capfd.readouterr().err
    sent_to_slack = json.dumps([call.params for call in squeaky.slack.calls], default=str)
    with squeaky.services.engine.connect() as connection:
        audit = json.dumps([list(row) for row in connection.execute(select(audit_events))], default=str)
    for secret in secrets:
        assert secret not in logged, "a secret reached the logs"
        assert secret not in sent_to_slack, "a secret reached a Slack message"
        assert secret not in audit, "a secret reached the audit trail"
    assert "Authorization" in logged and MASK in logged  # tweepy did log its headers, masked: the check means something


@pytest.fixture
def paging() -> Iterator[LocalPagerDuty]:
    server = LocalPagerDuty()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ticketing() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


def test_no_secret_setting_reaches_the_logs_of_a_full_run_with_slack_teams_tickets_and_paging(
    start_squeaky: Start,
    local_teams: Any,
    paging: LocalPagerDuty,
    ticketing: WebhookReceiver,
    capfd: pytest.CaptureFixture[str],
    product_logging: None,
) -> None:
    """Every secret setting set, every library at DEBUG, the product used through each door: not one secret value in
    the logs, in what was sent to Slack or Teams, or in the audit trail."""
    squeaky = start_squeaky(
        **teams_settings(local_teams, slack=True),
        ticket_system="webhook",
        ticket_webhook_url=ticketing.url,
        ticket_webhook_secret=WEBHOOK_SECRET,
        pagerduty_routing_key=paging.routing_key,
        pagerduty_events_url=f"{paging.url}/v2/enqueue",
        zendesk_api_token="zendesk-token-never-used-0123",
    )
    setup_logging(squeaky.settings.secret_values(), logging.DEBUG)
    for name in (*CHATTY, "httpx", "httpcore", "microsoft_teams"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    teams = squeaky.teams_client
    card = arrive(squeaky)  # X read with its bearer token; cards posted to Slack and Teams with theirs
    complaint_id = complaint_of(card)
    assert teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}).status_code == 200
    reply = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": "Hi, DM us please."}
    assert teams.submit_dialog(ALICE, card["id"], reply).ok  # a public reply on X, with the brand's OAuth keys
    ticket = {"dialog_id": "ticket", "complaint_id": complaint_id, "step": "send", "subject": "Lost bag"}
    assert teams.submit_dialog(ALICE, card["id"], {**ticket, "priority": "high", "notes": "", "contact": ""}).ok
    assert teams.click(ALICE, card["id"], "escalate", {"complaint_id": complaint_id}).status_code == 200
    slack_card = squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.slack.channel_messages(CHANNEL))[-1]
    post_command(
        squeaky.events_url,
        SIGNING_SECRET,
        slash_command("U0ANN", "ann", "stats", CHANNEL, squeaky.slack.response_url()),
    )
    post_signed(
        squeaky.events_url,
        SIGNING_SECRET,
        block_action("U0ANN", "ann", action_ids.CLAIM, "1", CHANNEL, slack_card["ts"]),
    )
    requests.post(f"{squeaky.url}/intake", data=b"{", headers={"Authorization": "Bearer wrong-token"}, timeout=10)
    squeaky.slack.wait_for(lambda: squeaky.work() or ticketing.tickets, timeout=20)  # signed with its secret

    named = {name for name, value in squeaky.settings if isinstance(value, SecretStr) and value.get_secret_value()}
    assert named >= {
        "slack_bot_token", "slack_signing_secret", "teams_app_password", "x_bearer_token", "x_api_secret",
        "x_access_token_secret", "intake_token", "ticket_webhook_secret", "pagerduty_routing_key", "zendesk_api_token",
    }  # fmt: skip
    secrets = [v for v in squeaky.settings.secret_values() if len(v) >= 8]
    logged = capfd.readouterr().err
    assert squeaky.teams is not None
    sent = json.dumps([c.params for c in squeaky.slack.calls] + [c.body for c in squeaky.teams.calls], default=str)
    with squeaky.services.engine.connect() as connection:
        audit = json.dumps([list(row) for row in connection.execute(select(audit_events))], default=str)
    for secret in secrets:
        assert secret not in logged, "a secret reached the logs"
        assert secret not in sent, "a secret reached a message in Slack or Teams"
        assert secret not in audit, "a secret reached the audit trail"
    assert "Authorization" in logged and MASK in logged  # the headers were logged, masked: the check means something
