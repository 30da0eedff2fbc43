"""The sandbox's own pieces: twcs replay rows addressed to our brand, the page refusing unknown people, its message
box, Dismiss and reloads, and the private conversations beside the public threads."""

from __future__ import annotations

import re
from pathlib import Path

from sandbox.bluesky_api import LocalBluesky
from sandbox.demo import load_twcs
from sandbox.mastodon_api import LocalMastodon
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


def test_the_message_box_posts_a_message_or_says_a_command_is_unknown_and_private_answers_can_be_dismissed() -> None:
    slack = LocalSlack()
    workspace = SandboxWorkspace(slack, LocalX(), "http://127.0.0.1:9/slack/events", "secret")
    said = workspace.handle(request("POST", "/ui/command", b'{"user": "U0BOB", "text": "on it"}'))
    assert said.status == 200
    [posted] = workspace.state("U0LEA")["channel"]  # everyone sees it, under its author's name
    assert (posted["text"], posted["author"], posted["card"]) == ("on it", "bob", False)
    workspace.handle(request("POST", "/ui/command", b'{"user": "U0BOB", "text": "/sqeaky stats"}'))
    [answer] = workspace.state("U0BOB")["answers"]
    assert answer["body"]["text"].startswith("/sqeaky is not a valid command.") and answer["from"] == "Slackbot"
    assert workspace.state("U0LEA")["answers"] == []  # only the person who typed it
    dismissed = f'{{"user": "U0BOB", "key": "{answer["key"]}"}}'.encode()
    workspace.handle(request("POST", "/ui/dismiss", dismissed))
    assert workspace.state("U0BOB")["answers"] == []


def test_a_reload_closes_the_modal_left_open() -> None:
    slack = LocalSlack()
    workspace = SandboxWorkspace(slack, LocalX(), "http://127.0.0.1:9/slack/events", "secret")
    slack.views.append({"id": "V1", "opened_for": "U0ALICE", "blocks": []})
    assert workspace.state("U0ALICE")["modal"]["id"] == "V1"
    workspace.handle(request("POST", "/ui/reloaded", b'{"user": "U0ALICE"}'))
    assert workspace.state("U0ALICE")["modal"] is None


def test_the_private_conversations_show_beside_the_public_threads_ours_marked_newest_first() -> None:
    x, bluesky, mastodon = LocalX(), LocalBluesky(), LocalMastodon()
    maria, brand = x.add_user("maria_k"), x.dms.brand_id
    x.add_tweet("maria_k", "@SqueakyAir my bag is lost")
    x.dms.add_event(brand, maria, "Hi maria_k, this is the care team about case #1.")
    x.dms.add_event(maria, brand, "My booking ref is QX7 <b>4A</b>")
    ann = bluesky.add_account("ann.bsky.social")
    bluesky.chat.add_message(ann, bluesky.chat.convo_with(ann), "It's a red suitcase")
    mastodon.add_account("ann@social.example")
    mastodon.add_status("squeakyair", "@ann@social.example about case #2", visibility="direct")
    mastodon.add_status("ann@social.example", "@squeakyair red, ref QX7", visibility="direct")
    mastodon.add_status("bob@social.example", "@squeakyair my flight is late")
    workspace = SandboxWorkspace(
        LocalSlack(), x, "http://127.0.0.1:9/slack/events", "secret", bluesky=bluesky, mastodon=mastodon
    )
    state = workspace.state("U0ALICE")
    [dm] = state["private"]["x"]
    assert dm["with"] == "maria_k" and [(m["author"], m["ours"]) for m in dm["messages"]] == [
        ("SqueakyAir", True),
        ("maria_k", False),
    ]
    assert dm["messages"][1]["text"] == "My booking ref is QX7 <b>4A</b>"  # the page writes it as text, never HTML
    [chat] = state["private"]["bluesky"]
    assert chat["with"] == "ann.bsky.social" and chat["messages"] == [
        {"author": "ann.bsky.social", "ours": False, "text": "It's a red suitcase"}
    ]
    [direct] = state["private"]["mastodon"]
    assert direct["with"] == "ann@social.example" and [m["ours"] for m in direct["messages"]] == [True, False]
    assert [t["text"] for t in state["mastodon"]] == ["@squeakyair my flight is late"]  # direct posts are private
    assert [t["text"] for t in state["x"]] == ["@SqueakyAir my bag is lost"]  # DMs are never in the timeline


def test_the_page_draws_every_emoji_the_slack_face_writes() -> None:
    """Slack shows `:name:` as its emoji; the sandbox page must too, or a newcomer reads shortcodes."""
    written = re.compile(r"(?<![\w}{]):([a-z][a-z0-9_]*):(?![\w{])")  # not a key such as f"{source}:post:{id}"
    names = {m.group(1) for path in Path("bot/slack").rglob("*.py") for m in written.finditer(path.read_text())}
    page = Path("sandbox/static/blockkit.js").read_text()
    drawn = set(re.findall(r"\b([a-z][a-z0-9_]*): \"", page.split("const EMOJI = {", 1)[1].split("};", 1)[0]))
    assert {"warning", "leftwards_arrow_with_hook", "ticket"} <= names  # the scan finds what the cards say
    assert names - drawn == set()
