"""The sandbox's own pieces: twcs replay rows addressed to our brand, and the page refusing unknown people."""

from __future__ import annotations

from pathlib import Path

from sandbox.demo import load_twcs
from sandbox.server import Request
from sandbox.slack_api import LocalSlack
from sandbox.workspace import SandboxWorkspace
from sandbox.x_api import LocalX

CSV = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 I understand.,,3
3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@sprintcare and how do you propose we do that,1,
4,115712,True,Tue Oct 31 21:54:49 +0000 2017,@sprintcare I have sent several private messages,3,5
8,115713,True,Tue Oct 31 22:01:35 +0000 2017,my phone is broken and nobody helps,,
"""


def test_replay_takes_conversation_openers_and_addresses_them_to_us(tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(CSV, encoding="utf-8")
    rows = load_twcs(path, 10, "SqueakyAir")
    assert [r["text"] for r in rows] == [
        "@SqueakyAir and how do you propose we do that",
        "@SqueakyAir my phone is broken and nobody helps",
    ]
    assert rows[0]["handle"] == "customer_115712"
    assert len(load_twcs(path, 1, "SqueakyAir")) == 1


def request(method: str, path: str, body: bytes = b"", **query: str) -> Request:
    return Request(method, path, query, {"content-type": "application/json"}, body)


def test_the_page_serves_itself_and_refuses_people_it_does_not_know() -> None:
    workspace = SandboxWorkspace(LocalSlack(), LocalX(), "http://127.0.0.1:9/slack/events", "secret")
    page = workspace.handle(request("GET", "/"))
    assert page.status == 200 and b"development and demos" in page.body
    assert workspace.handle(request("GET", "/static/../workspace.py")).status == 404
    assert workspace.handle(request("GET", "/ui/state", user="U0EVE")).status == 400
    assert workspace.handle(request("POST", "/ui/click", b'{"user": "U0EVE"}')).status == 400
    assert workspace.handle(request("POST", "/ui/dance", b'{"user": "U0ALICE"}')).status == 404
    state = workspace.handle(request("GET", "/ui/state", user="U0LEA")).body
    assert state["me"] == {"id": "U0LEA", "name": "lea", "role": "lead"} and state["channel"] == []
