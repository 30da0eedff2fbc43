"""A third chat tool, defined in the tests alone (tests/chirp_face.py), registered without editing the product: its
card is posted, an agent claims it through its signed route (a worker decides the queued click), and replies
publicly (decided at once, in the web process), as on Slack and Teams."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from bot.bootstrap import x_read_client
from bot.chat_tools import register
from bot.ingest import poll_once
from tests.chirp_face import CLICKS_PATH, SURFACE, ChirpTool, signature
from tests.e2e.conftest import Running, Start

pytestmark = pytest.mark.e2e
SECRET = "chirp-secret-0123456789"


@pytest.fixture
def chirp() -> Iterator[ChirpTool]:
    """Chirp registered in this process for the test, and taken away after it."""
    tool = ChirpTool(SECRET)
    unregister = register(tool)
    yield tool
    unregister()


def click(squeaky: Running, body: dict[str, Any], secret: str = SECRET) -> requests.Response:
    """A click, signed as Chirp signs it."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Chirp-Signature": signature(secret, data)}
    return requests.post(f"{squeaky.url}{CLICKS_PATH}", data=data, headers=headers, timeout=10)


def wait_for(squeaky: Running, done: Callable[[], bool], timeout: float = 15.0) -> None:
    """Work the stream and the outbox until `done`."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        squeaky.work()
        time.sleep(0.05)


def test_a_third_chat_tool_registered_from_the_tests_carries_a_complaint_to_its_public_reply(
    start_squeaky: Start, chirp: ChirpTool
) -> None:
    squeaky = start_squeaky(slack_bot_token=None, slack_channel=None, slack_signing_secret=None)
    assert squeaky.settings.chat_surfaces == (SURFACE,) and set(squeaky.services.faces) == {SURFACE}

    squeaky.x.add_tweet("maria_k", "@SqueakyAir my bag never arrived, flight SQ212")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    wait_for(squeaky, lambda: bool(chirp.room.cards))
    ((card_id, card),) = chirp.room.cards.items()
    complaint_id = card["complaint_id"]
    assert "my bag never arrived" in card["text"] and card["status"] == "new"

    forged = click(squeaky, {"user": "ada", "action": "claim", "complaint": complaint_id}, secret="not-chirps")
    assert forged.status_code == 401 and not chirp.decided

    queued = click(squeaky, {"user": "ada", "action": "claim", "complaint": complaint_id})
    assert queued.status_code == 202, queued.text
    wait_for(squeaky, lambda: chirp.room.cards[card_id]["status"] == "claimed")
    assert chirp.room.cards[card_id]["owner"]["name"] == "ada"
    assert chirp.decided == [{"user": "ada", "action": "claim", "complaint": complaint_id}]  # by the worker

    text = "So sorry, Maria: DM us your booking reference and we'll find your bag."
    reply = {"user": "ada", "action": "acknowledge", "complaint": complaint_id, "values": {"text": text}}
    answered = click(squeaky, reply)
    assert answered.status_code == 200 and answered.json() == {"refusal": None, "status": "acknowledged"}
    wait_for(squeaky, lambda: len(squeaky.x.posted) == 1 and chirp.room.cards[card_id]["reply"] is not None)
    assert squeaky.x.posted[0]["text"] == text
    assert chirp.room.cards[card_id]["status"] == "acknowledged"
    assert not squeaky.slack.calls_to("chat.postMessage"), "nothing went to Slack"
