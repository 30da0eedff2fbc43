"""Hostile requests end to end: bad signatures change nothing, and secrets never reach logs, cards or the audit."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.logs import MASK, setup_logging
from bot.slack import action_ids
from sandbox.interactions import block_action, post_command, post_signed, slash_command
from storage.sql.tables import audit_events, complaints, sla_policies
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, SIGNING_SECRET, Running, Start
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
