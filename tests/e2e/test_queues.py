"""Queues end to end: the real Bolt app, the local Slack and X, real PostgreSQL and Redis. Each complaint lands on one
queue and its card goes to that queue's channel, each channel keeping its own pace; leads read the queues."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from handlers.intake.stream_batches import consume_once
from handlers.outbox.kinds import lane_of
from sandbox.interactions import post_command, slash_command
from sandbox.slack_api import LocalSlack
from storage.sql.tables import complaints, outbox
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Start

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
            lane_of(kind, payload)
            for kind, payload in c.execute(outbox.select().with_only_columns(outbox.c.kind, outbox.c.payload))
            if kind.startswith("card.post")
        }
    assert landed == {"ann": "refunds", "bo": "care", "cy": "refunds"}
    assert {lane.split(":")[1] for lane in lanes} == {"C0REFUNDS", "*"}  # a lane per channel ("*": the tool's own)

    fields = slash_command("U0LEA", "lea", "queue list", CHANNEL, slack.response_url())
    answer = post_command(squeaky.events_url, SIGNING_SECRET, fields).json()
    said = json.dumps(answer, ensure_ascii=False)
    assert "Queues: 2" in said and "Refunds desk" in said and "topics refund" in said
    fields = slash_command("U0LEA", "lea", "queue show refunds", CHANNEL, slack.response_url())
    said = json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)
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
    policy = tmp_path / "queues.toml"
    policy.write_text(QUEUES)
    local_slack.usergroups.update({"S0LEADS": ["U0LEA"], "S0AGENTS": ["U0LEA", "U0MARIA"]})
    squeaky = start_squeaky(queues_config=str(policy), slack_leads_group="S0LEADS", slack_agents_group="S0AGENTS")
    squeaky.x.add_tweet("ann", "@SqueakyAir where is my refund? It has been weeks")
    squeaky.x.add_tweet("bo", "@SqueakyAir my bag never arrived")
    squeaky.x.add_tweet("cy", "@SqueakyAir still no refund after 60 days")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    s = squeaky.services
    consume_once(s.queue, "e2e-worker", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=200)

    def ask(user: str, words: str) -> str:
        fields = slash_command(user, user.lower(), words, CHANNEL, squeaky.slack.response_url())
        return json.dumps(post_command(squeaky.events_url, SIGNING_SECRET, fields).json(), ensure_ascii=False)

    assert "Yours now" in ask("U0MARIA", "next refunds")
    refunds = ask("U0MARIA", "stats today queue refunds")
    assert "Stats for today on refunds" in refunds and "*Received*\\n2" in refunds and "*Claimed*\\n1 (50%)" in refunds
    compared = ask("U0MARIA", "stats by queue")
    assert "*By queue*" in compared and "refunds" in compared and "care" in compared
    assert "Backlog on care: 1 waiting" in ask("U0MARIA", "backlog queue care")
    assert "no queue called 'vip'" in ask("U0MARIA", "stats queue vip")
    assert "Fairness for the last 30d" in ask("U0MARIA", "stats fairness 30d")

    assert "Only team leads can export" in ask("U0MARIA", "export 7d")
    assert "squeaky-cases-refunds-" in ask("U0LEA", "export 7d queue refunds")
    dm = squeaky.slack.wait_for(lambda: [m for m in squeaky.slack.dm("U0LEA") if m.get("files")])
    [file] = dm[0]["files"]
    rows = squeaky.slack.files[file["id"]]["content"].decode().splitlines()
    assert rows[0].startswith("case,arrived_at,queue,tier,topic") and len(rows) == 3
    assert all(",refunds," in row for row in rows[1:]) and sum(",u0maria," in row for row in rows) == 1
    assert not [m for m in squeaky.slack.channel_messages(CHANNEL) if m.get("files")]  # never into a channel
