"""Queues end to end: the real Bolt app, the local Slack and X, real PostgreSQL and Redis. Each complaint lands on one
queue and its card goes to that queue's channel, each channel keeping its own pace; leads read the queues."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint
from handlers.domain.outbox_kinds import parse
from handlers.domain.sla import Stage
from handlers.intake.receive import receive
from handlers.intake.stream_batches import consume_once
from handlers.ports.clock import ManualClock
from handlers.queues.push import assign_waiting
from handlers.queues.storm import StormRules, check_storms
from handlers.team.service_levels import check_service_levels
from sandbox.interactions import block_action, post_command, post_event, post_signed, slash_command, view_submission
from sandbox.slack_api import LocalSlack
from storage.sql.tables import complaints, outbox
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.people import slack_person

QUEUES = """
[[queues]]
name = "refunds"
title = "Refunds desk"
topics = ["refund"]
channels = { slack = "C0REFUNDS" }

[default]
name = "care"
title = "Care team"
"""


def with_queues(start: Start, slack: LocalSlack, folder: Path, policy: str, **groups: list[str]) -> Running:
    """Squeaky with this queue policy; Lea leads and Maria is an agent (and `groups` more user groups)."""
    path = folder / "queues.toml"
    path.write_text(policy)
    slack.usergroups.update({"S0LEADS": ["U0LEA"], "S0AGENTS": ["U0LEA", "U0MARIA"], **groups})
    return start(queues_config=str(path), slack_leads_group="S0LEADS", slack_agents_group="S0AGENTS")


def ask(squeaky: Running, user: str, words: str) -> str:
    """What /squeaky WORDS answers `user` (its ack's body, as text)."""
    fields = slash_command(user, user.lower(), words, CHANNEL, squeaky.slack.response_url())
    return json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)


def test_cards_go_to_their_queues_channel_and_leads_read_the_queues(start_squeaky: Start, tmp_path: Path) -> None:
    policy = tmp_path / "queues.toml"
    policy.write_text(QUEUES)
    squeaky = start_squeaky(queues_config=str(policy))
    squeaky.x.add_tweet("ann", "@SqueakyAir where is my refund? It has been weeks")
    squeaky.x.add_tweet("bo", "@SqueakyAir my bag never arrived")
    squeaky.x.add_tweet("cy", "@SqueakyAir still no refund after 60 days")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    slack = squeaky.slack
    slack.wait_for(lambda: squeaky.work() or len(slack.channel_messages("C0REFUNDS")) == 2, timeout=20)
    slack.wait_for(lambda: squeaky.work() or len(slack.channel_messages(CHANNEL)) == 1, timeout=20)
    refunds = json.dumps([m["blocks"] for m in slack.channel_messages("C0REFUNDS")])
    assert "where is my refund" in refunds and "60 days" in refunds and "refunds" in refunds
    assert "my bag never arrived" in json.dumps(slack.channel_messages(CHANNEL)[0]["blocks"])
    with squeaky.services.engine.connect() as c:
        landed = dict(
            c.execute(complaints.select().with_only_columns(complaints.c.author_handle, complaints.c.queue)).all()
        )
        lanes = {
            parse(kind, payload).lane
            for kind, payload in c.execute(outbox.select().with_only_columns(outbox.c.kind, outbox.c.payload))
            if kind.startswith("card.post")
        }
    assert landed == {"ann": "refunds", "bo": "care", "cy": "refunds"}
    assert {lane.split(":")[1] for lane in lanes} == {"C0REFUNDS", "*"}  # a lane per channel ("*": the tool's own)

    said = ask(squeaky, "U0LEA", "queue list")
    assert "Queues: 2" in said and "Refunds desk" in said and "topics refund" in said
    said = ask(squeaky, "U0LEA", "queue show refunds")
    assert "cards go to slack: C0REFUNDS" in said and "waiting for an owner" in said


def test_twenty_agents_taking_next_at_once_get_twenty_different_complaints(
    start_squeaky: Start, tmp_path: Path
) -> None:
    policy = tmp_path / "queues.toml"
    policy.write_text(QUEUES)
    squeaky = start_squeaky(queues_config=str(policy))
    for n in range(25):
        squeaky.x.add_tweet(f"customer{n}", f"@SqueakyAir my bag number {n} never arrived")
    squeaky.x.add_tweet("ann", "@SqueakyAir where is my refund? It has been weeks")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    s = squeaky.services
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)

    def take(n: int, words: str = "next") -> dict[str, Any]:
        fields = slash_command(f"U0AGENT{n}", f"agent{n}", words, CHANNEL, squeaky.slack.response_url())
        return dict(post_command(squeaky.events_url, SIGNING_SECRET, fields).json())

    refund = json.dumps(take(99, "next refunds"), ensure_ascii=False)
    assert "Yours now: #" in refund and "where is my refund" in refund
    with ThreadPoolExecutor(20) as pool:
        answers = [json.dumps(a, ensure_ascii=False) for a in pool.map(take, range(20))]
    taken = [int(re.search(r"Yours now: #(\d+)", a)[1]) for a in answers]  # type: ignore[index]
    assert len(set(taken)) == 20
    with s.engine.connect() as c:
        owners = dict(
            c.execute(select(complaints.c.id, complaints.c.owner_name).where(complaints.c.id.in_(taken))).all()
        )
    assert sorted(owners.values()) == sorted(f"agent{n}" for n in range(20))
    assert all(owners[complaint_id] == f"agent{n}" for n, complaint_id in enumerate(taken))
    assert "Nothing is waiting for an owner on refunds" in json.dumps(take(98, "next refunds"))
    assert "no queue called 'nowhere'" in json.dumps(take(98, "next nowhere"))


def test_leads_read_each_queue_compare_them_and_export_the_cases(
    start_squeaky: Start, local_slack: LocalSlack, tmp_path: Path
) -> None:
    squeaky = with_queues(start_squeaky, local_slack, tmp_path, QUEUES)
    squeaky.x.add_tweet("ann", "@SqueakyAir where is my refund? It has been weeks")
    squeaky.x.add_tweet("bo", "@SqueakyAir my bag never arrived")
    squeaky.x.add_tweet("cy", "@SqueakyAir still no refund after 60 days")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    s = squeaky.services
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)

    assert "Yours now" in ask(squeaky, "U0MARIA", "next refunds")
    refunds = ask(squeaky, "U0MARIA", "stats today queue refunds")
    assert "Stats for today on refunds" in refunds and "*Received*\\n2" in refunds and "*Claimed*\\n1 (50%)" in refunds
    compared = ask(squeaky, "U0MARIA", "stats by queue")
    assert "*By queue*" in compared and "refunds" in compared and "care" in compared
    assert "Backlog on care: 1 waiting" in ask(squeaky, "U0MARIA", "backlog queue care")
    assert "no queue called 'vip'" in ask(squeaky, "U0MARIA", "stats queue vip")
    assert "Fairness for the last 30d" in ask(squeaky, "U0MARIA", "stats fairness 30d")

    assert "Only team leads can export" in ask(squeaky, "U0MARIA", "export 7d")
    assert "squeaky-cases-refunds-" in ask(squeaky, "U0LEA", "export 7d queue refunds")
    dm = squeaky.slack.wait_for(lambda: [m for m in squeaky.slack.dm("U0LEA") if m.get("files")])
    [file] = dm[0]["files"]
    rows = squeaky.slack.files[file["id"]]["content"].decode().splitlines()
    assert rows[0].startswith("case,arrived_at,queue,tier,topic") and len(rows) == 3
    assert all(",refunds," in row for row in rows[1:]) and sum(",u0maria," in row for row in rows) == 1
    assert not [m for m in squeaky.slack.channel_messages(CHANNEL) if m.get("files")]  # never into a channel


ELITE_AND_OFFICE_HOURS = """
[[queues]]
name = "elite"
title = "Elite desk"
tiers = ["vip"]
channels = { slack = "C0ELITE" }
leads = { slack = "S0ELITE" }
service_levels = { vip = { claim = 2, acknowledge = 10, page = true } }

[default]
name = "care"
title = "Care team"
"""


def test_business_hours_across_a_dst_change_and_each_queues_leads_called_in_its_channel(
    start_squeaky: Start, local_slack: LocalSlack, tmp_path: Path
) -> None:
    squeaky = with_queues(start_squeaky, local_slack, tmp_path, ELITE_AND_OFFICE_HOURS, S0ELITE=["U0LI"])
    s = squeaky.services

    set_hours = ask(squeaky, "U0LEA", "hours set care mon-fri 09:00-17:00 in Europe/London")
    assert "Business hours set on care" in set_hours
    shown = ask(squeaky, "U0LEA", "queue show care")
    assert "clocks run: mon-fri 09:00-17:00 (Europe/London)" in shown and "standard: claim within 60 min" in shown
    elite = ask(squeaky, "U0LEA", "queue show elite")
    assert "vip: claim within 2 min" in elite and "leads called: slack: S0ELITE" in elite

    friday = datetime(2027, 3, 26, 16, 30, tzinfo=ZoneInfo("Europe/London"))  # London's clocks go forward on Sunday
    clock = ManualClock(friday)
    with s.uow_factory() as uow:
        uow.customers.set_tier("vic", "vip")
        uow.commit()
    posts = [
        IncomingComplaint("x", f"dst{n}", who, who, who, "@SqueakyAir where is my bag?", friday)
        for n, who in enumerate(["bo", "vic"])
    ]
    standard, vip = receive(s.uow_factory, clock, s.dedupe, s.triage, posts).opened

    def sweep(at: datetime) -> list[tuple[int, Stage]]:
        clock.set(at)
        fallback = s.settings.fallback_on_call
        queues = s.triage.queues
        return check_service_levels(
            s.uow_factory, clock, leads_after=timedelta(minutes=15), fallback_on_call=fallback, queues=queues
        )

    assert sweep(friday) == [(vip, Stage.ARRIVAL)]
    assert sweep(friday + timedelta(minutes=20)) == [(vip, Stage.LEADS)]  # the elite desk never closes
    monday = datetime(2027, 3, 29, 8, 29, tzinfo=UTC)  # 09:29 in London, now on summer time
    assert sweep(monday) == []  # 30 open minutes on Friday, 29 on Monday: not yet an hour
    assert sweep(monday + timedelta(minutes=1)) == [(standard, Stage.ON_CALL)]
    assert sweep(monday + timedelta(minutes=16)) == [(standard, Stage.LEADS)]
    squeaky.work()
    elite = squeaky.slack.wait_for(
        lambda: [m for m in squeaky.slack.channel_messages("C0ELITE") if "past their service level" in m["text"]]
    )
    assert elite[0]["text"].startswith("<!subteam^S0ELITE> 1 complaint past their service level on Elite desk")
    care = squeaky.slack.wait_for(
        lambda: [m for m in squeaky.slack.channel_messages(CHANNEL) if "past their service level" in m["text"]]
    )
    assert care[0]["text"].startswith("<!subteam^S0LEADS> 1 complaint past their service level on Care team")
    assert "`/squeaky next care`" in care[0]["text"]
    paged = [m["text"] for m in squeaky.slack.dm("U0ONCALL")]
    assert len([t for t in paged if "past their service level" in t]) == 2  # one page per queue


STORMY = """
[default]
name = "care"
title = "Care team"
service_levels = { standard = { claim = 1 } }
"""


def test_a_storm_summary_replaces_the_cards_and_take_next_posts_the_taken_ones(
    start_squeaky: Start, tmp_path: Path
) -> None:
    policy = tmp_path / "queues.toml"
    policy.write_text(STORMY)
    squeaky = start_squeaky(queues_config=str(policy))
    s, slack = squeaky.services, squeaky.slack
    rules = StormRules(cards_per_second=1.0, calm_for=timedelta(0), update_every=timedelta(0))
    for n in range(45):
        squeaky.x.add_tweet(f"traveller{n}", f"@SqueakyAir flight {n} delayed again, nobody tells us anything")
    poll_once(s, x_read_client(squeaky.settings))
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
    slack.wait_for(lambda: not s.queue.pending())  # (or the background worker is storing them: stored, then watched)
    check_storms(s.uow_factory, s.clock, s.triage.queues, rules)  # (or the worker's own watch got there first)
    with s.uow_factory() as uow:
        assert "care" in uow.team.storms()
    squeaky.work()
    summary = slack.wait_for(lambda: [m for m in slack.channel_messages(CHANNEL) if "Storm mode" in m["text"]])[0]
    cards_before = len([m for m in slack.channel_messages(CHANNEL) if m.get("blocks") and m is not summary])
    buttons = [e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (action_ids.TAKE_NEXT, "care"),
        (action_ids.INCIDENT, "storm:care"),
    ]
    assert cards_before < 45  # the channel did not get a card per complaint

    payload = block_action("U0MARIA", "maria", action_ids.TAKE_NEXT, "care", CHANNEL, summary["ts"])
    payload["response_url"] = slack.response_url()
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200
    told = slack.wait_for(lambda: [r for r in slack.responses if "Yours now" in json.dumps(r)])[0]
    taken = int(re.search(r"Yours now: #(\d+)", json.dumps(told))[1])  # type: ignore[index]
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    squeaky.work()
    with s.engine.connect() as c:
        owner = c.execute(select(complaints.c.owner_name).where(complaints.c.id == taken)).scalar()
    assert owner == "maria"
    slack.wait_for(
        lambda: any(f"complaint:{taken}" in json.dumps(m.get("blocks")) for m in slack.channel_messages(CHANNEL))
    )

    with s.engine.connect() as c:
        waiting = [i for (i,) in c.execute(select(complaints.c.id).where(complaints.c.status == "new"))]
    for complaint_id in waiting:
        claim(s.uow_factory, s.clock, complaint_id, slack_person(s.uow_factory, "U0LI", "li"))
    check_storms(s.uow_factory, s.clock, s.triage.queues, rules)
    with s.uow_factory() as uow:
        assert "care" not in uow.team.storms()

    def over() -> list[dict[str, Any]]:  # the taken complaints' cards go out meanwhile, one a second
        s.outbox_runner.run_due()
        return [m for m in slack.channel_messages(CHANNEL) if "Storm over" in m["text"]]

    edited = slack.wait_for(over)[0]
    assert edited["ts"] == summary["ts"] and not edited.get("blocks")  # the same message, its button gone


def test_a_lead_acknowledges_a_storm_at_once_and_each_customer_hears_once(
    start_squeaky: Start, local_slack: LocalSlack, tmp_path: Path
) -> None:
    squeaky = with_queues(start_squeaky, local_slack, tmp_path, STORMY)
    s, slack = squeaky.services, squeaky.slack
    for n in range(35):
        squeaky.x.add_tweet(f"traveller{n}", f"@SqueakyAir flight {n} delayed & nobody <says> why")
    poll_once(s, x_read_client(squeaky.settings))
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)
    check_storms(s.uow_factory, s.clock, s.triage.queues, StormRules(cards_per_second=1.0))
    squeaky.work()
    summary = slack.wait_for(lambda: [m for m in slack.channel_messages(CHANNEL) if "Storm mode" in m["text"]])[0]
    [ack_all] = [
        e
        for b in summary["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Acknowledge all"
    ]

    agent = block_action("U0MARIA", "maria", action_ids.INCIDENT, ack_all["value"], CHANNEL, summary["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, agent).status_code == 200
    refused = slack.wait_for(lambda: [m for m in slack.dm("U0MARIA") if "Only a team lead" in m["text"]])
    assert refused and not slack.views
    lead = block_action("U0LEA", "lea", action_ids.INCIDENT, ack_all["value"], CHANNEL, summary["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, lead).status_code == 200
    view = slack.wait_for(lambda: [v for v in slack.views if v.get("callback_id") == action_ids.INCIDENT_VIEW])[0]
    shown = json.dumps(view, ensure_ascii=False)
    assert (
        "Reaches 35 of 35 complaints" in shown and "sent at once" in shown and view["submit"]["text"] == "Reply to 35"
    )
    text = "Hi {name}, we know about the delays & we're on it. Case #{case}: DM us your booking reference."
    answers = {"text:0": text, "status": "Delays on several routes today: we're on it, updates here."}
    answer = post_signed(squeaky.events_url, SIGNING_SECRET, view_submission("U0LEA", "lea", view, answers))
    assert answer.status_code == 200 and not answer.text  # the modal closes

    def replied() -> list[dict[str, Any]]:
        s.outbox_runner.run_due()
        return [t for t in squeaky.x.tweets.values() if t["author_id"] == squeaky.x.brand_id]

    posts = slack.wait_for(lambda: len(replied()) == 36 and replied(), timeout=60)
    texts = [p["text"] for p in posts]
    assert len(set(texts)) == 36  # each customer their own reply: X refuses a repeat
    assert sum("we know about the delays &amp; we're on it" in t for t in texts) == 35  # as X stores it
    assert any(t.startswith("Delays on several routes today") for t in texts)
    with s.engine.connect() as c:
        rows = c.execute(select(complaints.c.status, complaints.c.reply_status)).all()
    assert {tuple(r) for r in rows} == {("new", "sent")}  # answered publicly, still waiting for an owner
    # near-identical complaints: the storm is theirs, named by one of them, and the reply reached exactly them
    said = re.compile(r"acknowledged the “flight \d+ delayed .{0,20}nobody .{0,20}says.{0,10} why” complaints on Care")
    told = slack.wait_for(lambda: [m for m in slack.channel_messages(CHANNEL) if said.search(m["text"])])
    assert "35 complaints answered" in told[0]["text"]


ASSIGNING = """
[[queues]]
name = "refunds"
title = "Refunds desk"
topics = ["refund"]
channels = { slack = "C0REFUNDS" }
assign = { mode = "round-robin", cap = 2 }

[default]
name = "care"
title = "Care team"
"""


def test_the_home_tab_takes_the_next_of_a_queue_and_toggles_availability_for_assignment(
    start_squeaky: Start, local_slack: LocalSlack, tmp_path: Path
) -> None:
    squeaky = with_queues(start_squeaky, local_slack, tmp_path, ASSIGNING)
    s, slack = squeaky.services, squeaky.slack
    squeaky.x.add_tweet("ann", "@SqueakyAir where is my refund? It has been weeks")
    squeaky.x.add_tweet("bo", "@SqueakyAir my bag never arrived")
    poll_once(s, x_read_client(squeaky.settings))
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)

    def home(user: str) -> dict[str, Any]:
        event = {"type": "app_home_opened", "user": user, "tab": "home", "channel": f"D{user}"}
        assert post_event(squeaky.events_url, SIGNING_SECRET, event).status_code == 200
        return dict(slack.wait_for(lambda: slack.home_views.get(user)))

    def press(user: str, action_id: str, value: str) -> None:
        payload = block_action(user, user.lower(), action_id, value, CHANNEL, "0")
        del payload["response_url"]
        payload["container"] = {"type": "view", "view_id": "V0HOME"}
        assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200

    view = home("U0MARIA")
    shown = json.dumps(view, ensure_ascii=False)
    assert "*Refunds desk* (`refunds`): 1 waiting · assigns" in shown and "*Care team* (`care`): 1 waiting" in shown
    assert "away* from assignments" in shown
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory")]
    assert {(b["action_id"], b["value"]) for b in buttons} == {
        (action_ids.TAKE_NEXT, "refunds"),
        (action_ids.TAKE_NEXT, "care"),
        (action_ids.PRESENCE, "back"),
    }
    slack.home_views.clear()
    press("U0MARIA", action_ids.TAKE_NEXT, "care")
    told = slack.wait_for(lambda: [m for m in slack.dm("U0MARIA") if "Yours now" in m["text"]])
    assert "my bag never arrived" in json.dumps(told, ensure_ascii=False)
    assert "`care`): 0 waiting" in json.dumps(slack.wait_for(lambda: slack.home_views.get("U0MARIA")))

    slack.home_views.clear()
    press("U0MARIA", action_ids.PRESENCE, "back")
    assert "You're *available*" in json.dumps(slack.wait_for(lambda: slack.home_views.get("U0MARIA")))
    assign_waiting(s.uow_factory, s.clock, s.triage.queues, timedelta(minutes=15))
    with s.engine.connect() as c:
        owner = c.execute(select(complaints.c.owner_name).where(complaints.c.author_handle == "ann")).scalar()
    assert owner == "u0maria"  # handed out by the refunds desk's round-robin
    squeaky.work()
    gave = slack.wait_for(lambda: [m for m in slack.dm("U0MARIA") if "Squeaky gave you #" in m["text"]])
    assert "on Refunds desk" in gave[0]["text"] and "goes to the next agent" in gave[0]["text"]


THREE_DESKS = """
[[queues]]
name = "elite"
title = "Elite desk"
tiers = ["vip"]
channels = { slack = "C0ELITE" }

[[queues]]
name = "refunds"
title = "Refunds desk"
topics = ["refund"]
channels = { slack = "C0REFUNDS" }

[default]
name = "care"
title = "Care team"
"""


def test_moving_a_complaint_moves_its_card_and_a_new_tier_moves_it_to_its_desk(
    start_squeaky: Start, local_slack: LocalSlack, tmp_path: Path
) -> None:
    squeaky = with_queues(start_squeaky, local_slack, tmp_path, THREE_DESKS)
    s, slack = squeaky.services, squeaky.slack
    squeaky.x.add_tweet("ann", "@SqueakyAir I was charged twice for one ticket")
    squeaky.x.add_tweet("bo", "@SqueakyAir my bag never arrived")
    poll_once(s, x_read_client(squeaky.settings))
    slack.wait_for(lambda: squeaky.work() or len(slack.channel_messages(CHANNEL)) == 2, timeout=20)
    with s.engine.connect() as c:
        ids = dict(c.execute(select(complaints.c.author_handle, complaints.c.id)).all())

    assert "Moved #" in ask(squeaky, "U0MARIA", f"move #{ids['ann']} refunds")
    moved = slack.wait_for(lambda: squeaky.work() or slack.channel_messages("C0REFUNDS"), timeout=20)
    assert "charged twice" in json.dumps(moved[0]["blocks"]) and "refunds" in json.dumps(moved[0]["blocks"])
    old = next(m for m in slack.channel_messages(CHANNEL) if "charged twice" in json.dumps(m["blocks"]))
    pointer = json.dumps(old["blocks"])
    assert "Moved to *Refunds desk*" in pointer and "its card is there" in pointer and '"actions"' not in pointer
    claim_it = block_action("U0MARIA", "maria", action_ids.CLAIM, str(ids["ann"]), "C0REFUNDS", moved[0]["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, claim_it).status_code == 200
    slack.wait_for(
        lambda: squeaky.work() or "Claimed by" in json.dumps(slack.channel_messages("C0REFUNDS")[0]), timeout=20
    )
    assert "on refunds already" in ask(squeaky, "U0MARIA", f"move #{ids['ann']} refunds")
    assert "no queue called 'vip'" in ask(squeaky, "U0MARIA", f"move #{ids['bo']} vip")

    said = ask(squeaky, "U0LEA", "vip add @bo")
    assert "Moved to the queue that takes that tier" in said and f"#{ids['bo']}" in said
    elite = slack.wait_for(lambda: squeaky.work() or slack.channel_messages("C0ELITE"), timeout=20)
    assert "my bag never arrived" in json.dumps(elite[0]["blocks"]) and "VIP" in json.dumps(elite[0]["blocks"])
    with s.engine.connect() as c:
        row = c.execute(select(complaints.c.queue, complaints.c.tier).where(complaints.c.id == ids["bo"])).one()
    assert tuple(row) == ("elite", "vip")
