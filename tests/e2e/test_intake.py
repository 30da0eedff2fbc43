"""The HTTP intake and threading, end to end: posts from other channels become cards; follow-ups land in threads."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.intake_http import IntakeLimits, handle_intake
from storage.memory.stream import MemoryStreamQueue
from storage.rate_limit import WindowRateLimiter
from storage.sql.tables import complaints
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, Running, Start

pytestmark = pytest.mark.e2e


def post(n: int, **change: Any) -> dict[str, Any]:
    body = {
        "source": "instagram",
        "id": f"ig-{n}",
        "author": {"id": f"u{n}", "handle": f"traveller{n}", "name": f"Traveller {n}"},
        "text": f"my bag is lost, case {n}",
        "created_at": "2026-11-22T09:00:00Z",
    }
    return {**body, **change}


def send(
    squeaky: Running, body: object, *, token: str = INTAKE_TOKEN, content_type: str = "application/json"
) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    return requests.post(f"{squeaky.url}/intake", data=data, headers=headers, timeout=10)


def test_posts_from_another_channel_become_cards(squeaky: Running) -> None:
    answer = send(squeaky, {"posts": [post(1), post(2)]})
    assert answer.status_code == 202 and answer.json() == {"accepted": 2, "ids": ["instagram:ig-1", "instagram:ig-2"]}
    squeaky.work()
    cards = [json.dumps(c.params["blocks"]) for c in squeaky.slack.calls_to("chat.postMessage")]
    assert len(cards) == 2 and "case 1" in cards[0] + cards[1] and "*baggage*" in cards[0]
    assert send(squeaky, post(1)).status_code == 202  # a second delivery is accepted...
    squeaky.work()
    assert len(squeaky.slack.calls_to("chat.postMessage")) == 2  # ...and changes nothing


@pytest.mark.parametrize(
    ("body", "kwargs", "status", "says"),
    [
        (post(1), {"token": "wrong"}, 401, "bearer token"),
        (post(1), {"content_type": "text/plain"}, 415, "application/json"),
        (b"{not json", {}, 400, "not JSON"),
        ([post(1)], {}, 422, "one post"),
        ({"posts": []}, {}, 422, "non-empty"),
        ({"posts": [post(1), post(2, text="")]}, {}, 422, "nothing was accepted"),
        (post(1, source="x"), {}, 422, "nothing was accepted"),
        ({"posts": [post(n) for n in range(501)]}, {}, 413, "at most 500"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_stores_nothing(
    squeaky: Running, body: object, kwargs: dict[str, str], status: int, says: str
) -> None:
    answer = send(squeaky, body, **kwargs)
    assert answer.status_code == status and says in answer.json()["error"]
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    squeaky.work()
    with squeaky.services.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(complaints)).scalar() == 0
    assert squeaky.services.queue.pending() == 0


def test_field_problems_are_listed_by_post_and_field(squeaky: Running) -> None:
    answer = send(squeaky, {"posts": [post(1), post(2, created_at="yesterday", author={"id": "u2"})]})
    problems = {(p["index"], p["field"]) for p in answer.json()["problems"]}
    assert problems == {(1, "created_at"), (1, "author.handle")}
    assert "yesterday" not in answer.text  # the input is not echoed back


def test_each_token_is_paced_across_web_processes_and_guessing_is_slowed(start_squeaky: Start) -> None:
    squeaky = start_squeaky(intake_requests_per_minute=6)  # a burst of one, then one every ten seconds
    assert send(squeaky, post(1)).status_code == 202
    paced = send(squeaky, post(2))
    assert paced.status_code == 429 and "too many requests for this token" in paced.json()["error"]
    assert 1 <= int(paced.headers["Retry-After"]) <= 10
    other_web_process = start_squeaky(intake_requests_per_minute=6)  # the same Redis: the same pace
    assert send(other_web_process, post(3)).status_code == 429
    guesses = [send(squeaky, post(4), token=f"guess-{n}").status_code for n in range(15)]
    assert guesses[:10] == [401] * 10 and set(guesses[10:]) == {429}  # ten at once, then one a second
    squeaky.work()
    with squeaky.services.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(complaints)).scalar() == 1


def test_the_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    constant_time = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr("bot.intake_http.hmac.compare_digest", compare_digest)
    limits = IntakeLimits(WindowRateLimiter("memory://"), 60)
    for given in ("Bearer wrong-guess", f"Bearer {INTAKE_TOKEN}"):
        handle_intake(INTAKE_TOKEN, given, "application/json", b"{}", MemoryStreamQueue(), limits)
    assert compared == [(b"wrong-guess", INTAKE_TOKEN.encode()), (INTAKE_TOKEN.encode(), INTAKE_TOKEN.encode())]


def test_other_paths_and_methods(squeaky: Running) -> None:
    assert requests.get(f"{squeaky.url}/intake", timeout=5).status_code == 405
    assert requests.get(f"{squeaky.url}/nope", timeout=5).json() == {"error": "no such path: /nope"}


def test_a_follow_up_on_x_lands_in_the_cards_thread(squeaky: Running) -> None:
    slack, x = squeaky.slack, squeaky.x
    first = x.add_tweet("maria_k", "@SqueakyAir flight cancelled, stuck at the gate today")
    client = x_read_client(squeaky.settings)
    poll_once(squeaky.services, client)
    squeaky.work()
    [card] = slack.channel_messages(CHANNEL)
    assert "urgent" in json.dumps(card["blocks"]) and "delay/cancellation" in json.dumps(card["blocks"])
    x.add_tweet("maria_k", "@SqueakyAir hello?? anyone", in_reply_to=first["id"])
    x.add_tweet("maria_k", "@SqueakyAir still waiting")  # a new tweet, same customer, case open
    poll_once(squeaky.services, client)
    squeaky.work()
    assert len(slack.channel_messages(CHANNEL)) == 1  # no second card
    thread = slack.wait_for(lambda: len(slack.thread(CHANNEL, card["ts"])) >= 2 and slack.thread(CHANNEL, card["ts"]))
    assert [t["text"].splitlines()[-1] for t in thread] == ["@SqueakyAir hello?? anyone", "@SqueakyAir still waiting"]
    assert "reply in the thread" in thread[0]["text"] and "same customer" in thread[1]["text"]
    slack.wait_for(lambda: "2 follow-ups in thread" in json.dumps(slack.channel_messages(CHANNEL)[0]["blocks"]))
