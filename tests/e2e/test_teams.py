"""Teams end to end: the real Teams SDK app over HTTP at /api/messages, activities signed by the local issuer as
Teams signs them, cards posted and updated through the local Bot Connector, real PostgreSQL and Redis."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from handlers.intake.stream_batches import consume_once
from handlers.ports.surfaces import Notice
from handlers.queues.storm import StormRules, check_storms
from sandbox.interactions import block_action, post_signed
from sandbox.teams_activities import CHANNEL, TeamsPerson
from storage.sql.tables import audit_events, complaints, tickets
from tests.e2e.conftest import SIGNING_SECRET, Running, Start, teams_settings

pytestmark = pytest.mark.e2e
ALICE, BOB, MARIA, LEAD = (TeamsPerson.named(n) for n in ("Alice", "Bob", "Maria", "Lena Lead"))


@pytest.fixture
def teams_squeaky(start_squeaky: Start, local_teams: Any) -> Running:
    """Squeaky with Teams alone, Lena a team lead."""
    return start_squeaky(**teams_settings(local_teams, teams_leads=[LEAD.aad_object_id], oncall_user=None))


def arrive(
    squeaky: Running, text: str = "@SqueakyAir my bag never arrived, flight SQ212", who: str = "maria_k"
) -> dict[str, Any]:
    """A complaint on X, polled and worked until its Teams card is posted; the card's activity."""
    assert squeaky.teams is not None
    before = len(squeaky.teams.posts(CHANNEL))
    squeaky.x.add_tweet(who, text)
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.teams.wait_for(lambda: len(squeaky.teams.posts(CHANNEL)) > before or squeaky.work())
    return squeaky.teams.posts(CHANNEL)[-1]


def content(activity: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card an activity carries."""
    return dict(activity["attachments"][0]["content"])


def complaint_of(card: dict[str, Any]) -> int:
    """The complaint a card's buttons name."""
    return int(next(a["data"]["complaint_id"] for a in content(card)["actions"] if "complaint_id" in a.get("data", {})))


def now_shows(squeaky: Running, card_id: str, text: str, timeout: float = 10) -> dict[str, Any]:
    """Wait until the card (as everyone sees it) shows `text`; return its card."""
    assert squeaky.teams is not None

    def shown() -> dict[str, Any] | None:
        squeaky.work()
        current = next(a for a in squeaky.teams.posts(CHANNEL) if a["id"] == card_id)
        return content(current) if text in json.dumps(content(current)) else None

    return squeaky.teams.wait_for(shown, timeout)


def answered_card(response: Any) -> dict[str, Any]:
    """The card an `Action.Execute` invoke was answered with."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive", body
    return dict(body["value"])


def dialog_card(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "continue", task
    return dict(task["value"]["card"]["content"])


def words(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_the_journey_claim_reply_ticket_close_in_teams(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    shown = content(card)
    assert "my bag never arrived" in words(shown) and shown["actions"][0]["verb"] == "claim"

    mine = answered_card(teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))
    assert "Claimed by" in words(mine) and "Alice" in words(mine)
    now_shows(squeaky, card["id"], "Alice")

    dialog_data = {"msteams": {"type": "task/fetch"}, "dialog_id": "acknowledge", "complaint_id": complaint_id}
    dialog = dialog_card(teams.open_dialog(ALICE, card["id"], dialog_data))
    box = next(e for e in dialog["body"] if e.get("id") == "text")
    assert "/280" in words(dialog) and "costs $" in words(dialog)
    too_long = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": "x" * 300}
    again = dialog_card(teams.submit_dialog(ALICE, card["id"], too_long))
    assert "over the limit" in words(again) and "x" * 300 in words(again)  # the text is kept beside the error
    text = box.get("value") or "We hear you: DM us your booking reference."
    sent = teams.submit_dialog(
        ALICE, card["id"], {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": text}
    )
    assert sent.json()["task"]["type"] == "message"
    now_shows(squeaky, card["id"], "Replied publicly")
    assert len(squeaky.x.posted) == 1, "one public reply on X"

    ticket = {
        "dialog_id": "ticket",
        "complaint_id": complaint_id,
        "step": "send",
        "subject": "Lost bag SQ212",
        "priority": "high",
        "notes": "",
        "contact": "@maria_k",
    }
    assert teams.submit_dialog(ALICE, card["id"], ticket).json()["task"]["type"] == "message"
    now_shows(squeaky, card["id"], "Ticket ")
    with squeaky.services.engine.connect() as c:
        assert (
            c.execute(select(func.count()).select_from(tickets).where(tickets.c.complaint_id == complaint_id)).scalar()
            == 1
        )

    closed = answered_card(teams.click(ALICE, card["id"], "close", {"complaint_id": complaint_id}))
    assert "Closed" in words(closed)
    final = now_shows(squeaky, card["id"], "Closed")
    assert not [a for a in final.get("actions", []) if a.get("verb") in ("claim", "close")]
    assert squeaky.teams is not None
    thread = squeaky.teams.thread(CHANNEL, card["id"])
    assert any("Alice" in words(content(line)) for line in thread), "the card's thread tells who did what"


def test_a_second_claim_is_answered_privately_with_who_holds_it(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    answered_card(teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))
    late = answered_card(teams.click(BOB, card["id"], "claim", {"complaint_id": complaint_id}))
    notice = late["body"][0]["inlines"][0]
    assert notice["text"].startswith("Already claimed by @Alice") and notice["color"] == "Attention"
    assert "Claimed by" in words(late)  # the card is refreshed for Bob, too
    with squeaky.services.engine.connect() as c:
        owner = c.execute(select(complaints.c.owner_name).where(complaints.c.id == complaint_id)).scalar()
    assert owner == "Alice"


def test_twenty_people_claiming_at_once_make_one_owner(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    people = [TeamsPerson.named(f"Agent {n}") for n in range(20)]
    with ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(
                lambda p: answered_card(teams.click(p, card["id"], "claim", {"complaint_id": complaint_id})), people
            )
        )
    refused = [a for a in answers if a["body"][0]["inlines"][0].get("color") == "Attention"]
    assert len(refused) == 19
    with squeaky.services.engine.connect() as c:
        claims = c.execute(
            select(func.count())
            .select_from(audit_events)
            .where(audit_events.c.complaint_id == complaint_id, audit_events.c.action == "claim")
        ).scalar()
    assert claims == 1


def test_a_lead_asks_for_stats_in_the_channel_and_in_the_personal_chat(start_squeaky: Start, local_teams: Any) -> None:
    squeaky = start_squeaky(
        **teams_settings(local_teams, teams_leads=[LEAD.aad_object_id]), public_url="https://squeaky.example"
    )
    teams = squeaky.teams_client
    assert squeaky.teams is not None
    arrive(squeaky)
    assert teams.say(LEAD, "stats 7d").status_code == 200
    answer = squeaky.teams.wait_for(lambda: [a for a in squeaky.teams.posts(CHANNEL) if "Received" in words(a)])[-1]
    card = content(answer)
    assert "FactSet" in words(card)
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    assert image["url"].startswith("https://squeaky.example/charts/stats.png?")
    chart = requests.get(squeaky.url + image["url"].removeprefix("https://squeaky.example"), timeout=30)
    assert chart.status_code == 200 and chart.headers["Content-Type"] == "image/png" and chart.content[:4] == b"\x89PNG"
    forged = requests.get(
        squeaky.url + image["url"].removeprefix("https://squeaky.example").replace("sig=", "sig=0"), timeout=10
    )
    assert forged.status_code == 403
    assert teams.say(LEAD, "backlog", personal=True).status_code == 200
    chat = f"a:1:{LEAD.user_id}"
    squeaky.teams.wait_for(lambda: any("#" in words(a) for a in squeaky.teams.posts(chat)))
    assert teams.say(LEAD, "dance", personal=True).status_code == 200
    squeaky.teams.wait_for(lambda: any("Sorry" in words(a) for a in squeaky.teams.posts(chat)))


def test_on_call_is_paged_in_a_personal_chat(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    assert teams.say(LEAD, "oncall set @Maria", mentions=(MARIA,)).status_code == 200
    squeaky.teams.wait_for(lambda: any("Maria" in words(a) for a in squeaky.teams.posts(CHANNEL)))
    card = arrive(squeaky)
    escalated = answered_card(teams.click(ALICE, card["id"], "escalate", {"complaint_id": complaint_of(card)}))
    assert "On-call has been pinged" in words(escalated)
    page = squeaky.teams.wait_for(lambda: squeaky.work() or squeaky.teams.chats_with(MARIA.user_id))
    assert f"#{complaint_of(card)}" in words(page[-1]) and "Open the card" in words(page[-1])


def test_every_forged_or_stale_token_is_refused_and_changes_nothing(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    value = {
        "action": {"type": "Action.Execute", "verb": "claim", "data": {"complaint_id": complaint_id}},
        "trigger": "manual",
    }
    activity = teams.activity(ALICE, "invoke", name="adaptiveCard/action", value=value)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = {
        "no token": teams.post(activity, token=""),
        "a foreign key": teams.post(activity, token=squeaky.teams.mint(key=stranger)),
        "a wrong audience": teams.post(activity, aud="someone-elses-bot"),
        "an expired token": teams.post(activity, exp=int(time.time()) - 600),
        "another serviceurl": teams.post(activity, serviceurl="https://smba.evil.example/"),
        "a garbage token": teams.post(activity, token="not.a.jwt"),
    }
    for what, answer in forged.items():
        assert answer.status_code == 401, f"{what}: {answer.status_code} {answer.text}"
    with squeaky.services.engine.connect() as c:
        row = c.execute(
            select(complaints.c.status, complaints.c.owner_name).where(complaints.c.id == complaint_id)
        ).one()
        trail = c.execute(
            select(func.count())
            .select_from(audit_events)
            .where(audit_events.c.complaint_id == complaint_id, audit_events.c.action == "claim")
        ).scalar()
    assert tuple(row) == ("new", None) and trail == 0
    malformed = teams.post({"not": "an activity"})
    assert malformed.status_code == 400 and "malformed" in malformed.text


def test_a_429_storm_from_teams_loses_nothing_and_posts_nothing_twice(teams_squeaky: Running) -> None:
    squeaky = teams_squeaky
    assert squeaky.teams is not None
    storm_began = time.time()
    squeaky.teams.fail_for(
        3.0, 429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "1"}, route="POST activities"
    )
    for n in range(12):
        squeaky.x.add_tweet(f"customer_{n}", f"@SqueakyAir complaint number {n} about my lost bag")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.teams.wait_for(lambda: squeaky.work() or len(squeaky.teams.posts(CHANNEL)) >= 12, timeout=60)
    time.sleep(1.0)
    squeaky.work()
    texts = [words(content(a)) for a in squeaky.teams.posts(CHANNEL)]
    for n in range(12):
        assert sum(f"complaint number {n} about" in t for t in texts) == 1, (
            f"complaint {n}: {sum(f'complaint number {n} about' in t for t in texts)} cards"
        )
    first = min(c.at for c in squeaky.teams.calls if c.method == "POST")
    assert first >= storm_began + 2.9, "every card went after the storm: each 429 was waited out, not dropped"


def test_hostile_customer_text_stays_words_in_a_teams_card(teams_squeaky: Running) -> None:
    hostile = "@SqueakyAir <at>Bob</at> **URGENT** [click](https://evil.example) ![x](https://evil.example/p.png) & <b>"
    card = content(arrive(teams_squeaky, hostile, who="mallory"))
    runs = [i for e in card["body"] if e["type"] == "RichTextBlock" for i in e["inlines"]]
    said = next(r for r in runs if "URGENT" in r["text"])
    assert "<at>Bob</at>" in said["text"] and "**URGENT**" in said["text"] and "selectAction" not in said
    assert not any("URGENT" in e.get("text", "") for e in card["body"] if e["type"] == "TextBlock")
    assert not card["msteams"].get("entities"), "no mention came out of a customer's words"


def test_slack_and_teams_both_on_see_the_same_claim(start_squeaky: Start, local_teams: Any) -> None:
    squeaky = start_squeaky(**teams_settings(local_teams, slack=True))
    teams = squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    slack_card = squeaky.slack.wait_for(lambda: squeaky.work() or squeaky.slack.channel_messages("C0CARE"))[-1]
    answered_card(teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))

    def slack_says(text: str) -> bool:
        squeaky.work()
        current = next(m for m in squeaky.slack.channel_messages("C0CARE") if m["ts"] == slack_card["ts"])
        return text in json.dumps(current["blocks"])

    squeaky.slack.wait_for(lambda: slack_says("Claimed by Alice"), timeout=5)

    second = arrive(squeaky, "@SqueakyAir and my seat was given away", who="ann")  # the reverse: Slack to Teams
    slack_second = squeaky.slack.wait_for(
        lambda: (
            squeaky.work()
            or [m for m in squeaky.slack.channel_messages("C0CARE") if "seat was given" in json.dumps(m["blocks"])]
        )
    )[-1]
    click = block_action("U0SAM", "sam", action_ids.CLAIM, str(complaint_of(second)), "C0CARE", slack_second["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, click).status_code == 200
    now_shows(squeaky, second["id"], "sam", timeout=5)


def test_a_lead_reassigns_with_the_people_picker_and_an_agent_dismisses(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    answered_card(teams.click(ALICE, card["id"], "claim", {"complaint_id": complaint_id}))
    answered_card(teams.click(BOB, card["id"], "claim", {"complaint_id": complaint_id}))  # Bob is known to Squeaky now
    opened = {"msteams": {"type": "task/fetch"}, "dialog_id": "reassign", "complaint_id": complaint_id}
    picker = dialog_card(teams.open_dialog(LEAD, card["id"], opened))
    [field] = [e for e in picker["body"] if e.get("id") == "to"]
    assert field["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    stranger = {"dialog_id": "reassign", "complaint_id": complaint_id, "step": "send", "to": "aad-nobody-knows"}
    assert "does not know that person" in teams.submit_dialog(LEAD, card["id"], stranger).json()["task"]["value"]
    picked = {"dialog_id": "reassign", "complaint_id": complaint_id, "step": "send", "to": BOB.aad_object_id}
    assert teams.submit_dialog(LEAD, card["id"], picked).json()["task"]["type"] == "message"
    now_shows(squeaky, card["id"], "Bob")

    other = arrive(squeaky, "@SqueakyAir buy followers cheap", who="spammer")
    dismiss = {"dialog_id": "dismiss", "complaint_id": complaint_of(other), "step": "send", "reason": "spam"}
    assert teams.submit_dialog(ALICE, other["id"], dismiss).json()["task"]["value"] == "Dismissed."
    now_shows(squeaky, other["id"], "Dismissed")


def test_the_leads_are_mentioned_in_the_channel_when_an_alert_calls_on_them(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    assert teams.say(LEAD, "help", personal=True).status_code == 200  # Squeaky learns Lena's name from her message
    notifier = squeaky.services.faces["teams"].notifier
    ref = notifier.announce("", Notice("3 complaints waited past their service level", leads=True))
    posted = next(a for a in squeaky.teams.posts(CHANNEL) if a["id"] == ref.data["activity"])
    card = content(posted)
    [entity] = card["msteams"]["entities"]
    assert entity["mentioned"] == {"id": LEAD.aad_object_id, "name": "Lena Lead"}
    assert card["body"][0] == {"type": "TextBlock", "text": "<at>Lena Lead</at>", "wrap": True}


def test_added_to_a_team_squeaky_learns_its_channel_and_posts_there(start_squeaky: Start, local_teams: Any) -> None:
    squeaky = start_squeaky(**teams_settings(local_teams, teams_channel=None, teams_service_url=None))
    teams = squeaky.teams_client
    assert squeaky.teams is not None
    assert teams.install(LEAD).status_code == 200
    card = arrive(squeaky)
    assert card["attachments"][0]["content"]["type"] == "AdaptiveCard"
    with squeaky.services.uow_factory() as uow:
        learned = dict(uow.team.installation("teams"))
    assert learned["channel"] == CHANNEL and learned["service_url"] == squeaky.teams.service_url


def test_a_leads_answer_waits_out_teams_429s_instead_of_being_dropped(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    busy = {"error": {"code": "TooManyRequests"}}
    squeaky.teams.fail_next("POST activities", 429, busy, {"Retry-After": "0.5"}, count=2)
    assert teams.say(LEAD, "help").status_code == 200
    squeaky.teams.wait_for(lambda: any("Squeaky's commands" in words(a) for a in squeaky.teams.posts(CHANNEL)))


def test_an_agent_takes_the_next_complaint_from_the_personal_chat(teams_squeaky: Running) -> None:
    squeaky, teams = teams_squeaky, teams_squeaky.teams_client
    assert squeaky.teams is not None
    card = arrive(squeaky)
    assert teams.say(ALICE, "next", personal=True).status_code == 200
    chat = f"a:1:{ALICE.user_id}"
    answer = squeaky.teams.wait_for(lambda: [a for a in squeaky.teams.posts(chat) if "Yours now" in words(a)])[-1]
    assert f"#{complaint_of(card)}" in words(answer) and "open card" in words(answer)
    now_shows(squeaky, card["id"], "Alice")


def test_a_lead_exports_the_cases_through_a_link_good_for_an_hour(start_squeaky: Start, local_teams: Any) -> None:
    squeaky = start_squeaky(
        **teams_settings(local_teams, teams_leads=[LEAD.aad_object_id]), public_url="https://squeaky.example"
    )
    teams = squeaky.teams_client
    assert squeaky.teams is not None
    arrive(squeaky)
    assert teams.say(ALICE, "export 7d", personal=True).status_code == 200
    alice = f"a:1:{ALICE.user_id}"
    squeaky.teams.wait_for(lambda: any("Only team leads" in words(a) for a in squeaky.teams.posts(alice)))
    assert teams.say(LEAD, "export 7d", personal=True).status_code == 200
    chat = f"a:1:{LEAD.user_id}"
    answer = squeaky.teams.wait_for(lambda: [a for a in squeaky.teams.posts(chat) if "Export of" in words(a)])[-1]
    [action] = content(answer)["actions"]
    assert action["type"] == "Action.OpenUrl" and "/exports/cases.csv?" in action["url"]
    path = action["url"].removeprefix("https://squeaky.example")
    download = requests.get(squeaky.url + path, timeout=30)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert 'filename="squeaky-cases-' in download.headers["Content-Disposition"]
    rows = download.text.splitlines()
    assert rows[0].startswith("case,arrived_at,queue") and len(rows) == 2 and ",care,standard," in rows[1]
    chart_signed = path.replace("/exports/cases.csv", "/charts/stats.png")  # a signature opens only what it was for
    assert requests.get(squeaky.url + chart_signed, timeout=10).status_code == 403
    assert requests.get(squeaky.url + path.replace("sig=", "sig=0"), timeout=10).status_code == 403


def test_a_storm_summary_in_teams_takes_the_next_complaint_for_the_clicker(
    start_squeaky: Start, local_teams: Any, tmp_path: Any
) -> None:
    policy = tmp_path / "queues.toml"
    policy.write_text('[default]\nname = "care"\ntitle = "Care team"\nservice_levels = { standard = { claim = 1 } }\n')
    squeaky = start_squeaky(**teams_settings(local_teams, teams_leads=[LEAD.aad_object_id]), queues_config=str(policy))
    teams, s = squeaky.teams_client, squeaky.services
    assert squeaky.teams is not None
    for n in range(30):
        squeaky.x.add_tweet(f"traveller{n}", f"@SqueakyAir flight {n} cancelled <b>again</b>")
    poll_once(s, x_read_client(squeaky.settings))
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
    check_storms(s.uow_factory, s.clock, s.triage.queues, StormRules(cards_per_second=0.5))
    summary = squeaky.teams.wait_for(
        lambda: [a for a in squeaky.teams.posts(CHANNEL) if "Storm mode" in words(a)] or s.outbox_runner.run_due() * 0
    )[0]
    [button] = [a for a in content(summary)["actions"] if a.get("verb") == "take_next"]
    assert button["type"] == "Action.Execute" and button["data"] == {"queue": "care"}
    answer = answered_card(teams.click(ALICE, summary["id"], "take_next", {"queue": "care"}))
    assert "Yours now: #" in words(answer)
    taken = int(words(answer).split("Yours now: #", 1)[1].split(" ", 1)[0])
    with s.engine.connect() as c:
        assert c.execute(select(complaints.c.owner_name).where(complaints.c.id == taken)).scalar() == "Alice"
    refused = answered_card(teams.click(ALICE, summary["id"], "take_next", {}))
    assert "names no queue" in words(refused)

    [ack_all] = [a for a in content(summary)["actions"] if a.get("title") == "Acknowledge all"]
    asked = ack_all["data"]
    assert asked["msteams"] == {"type": "task/fetch"} and asked["incident"] == "storm:care"
    not_lead = teams.open_dialog(ALICE, summary["id"], asked)
    assert "Only a team lead can acknowledge an incident" in not_lead.json()["task"]["value"]
    dialog = dialog_card(teams.open_dialog(LEAD, summary["id"], asked))
    assert "Reaches 30 of 30 complaints" in words(dialog)  # the one Alice took too: it has no reply yet
    [send] = [a for a in dialog["actions"] if a["title"] == "Reply to 30"]
    too_long = dialog_card(teams.submit_dialog(LEAD, summary["id"], {**send["data"], "text": "x" * 300}))
    assert "Shorten it by" in words(too_long) and "x" * 300 in words(too_long)  # the text is kept
    text = "Hi {name}, we're on the cancellations. Case #{case}: DM us."
    done = teams.submit_dialog(LEAD, summary["id"], {**send["data"], "text": text})
    assert done.status_code == 200 and "is going out" in done.json()["task"]["value"]

    def replied() -> int:
        s.outbox_runner.run_due()
        return len([t for t in squeaky.x.tweets.values() if t["author_id"] == squeaky.x.brand_id])

    squeaky.teams.wait_for(lambda: replied() == 30, timeout=60)
