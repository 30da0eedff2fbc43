"""The team lead's and on-call's side end to end: /squeaky through the real Bolt app over signed HTTP, charts
uploaded to the local Slack (files upload v2), the Home tab published, pings by DM and through a local PagerDuty."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from sandbox.interactions import block_action, post_command, post_event, post_signed, slash_command
from sandbox.pagerduty_api import LocalPagerDuty
from sandbox.slack_api import LocalSlack
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.people import uncarded

pytestmark = pytest.mark.e2e
LEADS = "S0LEADS"
AGENTS = "S0AGENTS"
LEA, MARIA, EVE = "U0LEA", "U0MARIA", "U0EVE"


@pytest.fixture
def team(local_slack: LocalSlack) -> LocalSlack:
    local_slack.usergroups.update({LEADS: [LEA], AGENTS: [LEA, MARIA]})
    return local_slack


@pytest.fixture
def lead_squeaky(start_squeaky: Start, team: LocalSlack) -> Running:
    return start_squeaky(slack_leads_group=LEADS, slack_agents_group=AGENTS)


@pytest.fixture
def pagerduty() -> Iterator[LocalPagerDuty]:
    server = LocalPagerDuty()
    server.start()
    yield server
    server.stop()


def command(squeaky: Running, user: str, text: str) -> dict[str, Any]:
    """Run /squeaky as `user`; return what Slack would show (the ack's body)."""
    fields = slash_command(user, user.lower(), text, CHANNEL, squeaky.slack.response_url())
    answer = post_command(squeaky.events_url, SIGNING_SECRET, fields)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def complaints(squeaky: Running, *texts: str, author: str = "maria_k") -> list[dict[str, Any]]:
    for n, text in enumerate(texts):
        squeaky.x.add_tweet(f"{author}{n}" if len(texts) > 1 else author, text)
    before = len(squeaky.slack.channel_messages(CHANNEL))
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    # this thread works the stream and the outbox, and so does the background worker: whichever gets there first
    squeaky.slack.wait_for(
        lambda: len(squeaky.slack.channel_messages(CHANNEL)) >= before + len(texts) or squeaky.work()
    )
    squeaky.slack.wait_for(lambda: all_carded(squeaky) or squeaky.work())  # the card's address is stored after it posts
    return squeaky.slack.channel_messages(CHANNEL)


def all_carded(squeaky: Running) -> bool:
    with squeaky.services.engine.connect() as connection:
        waiting = connection.execute(uncarded())
        return waiting.first() is None


def click(squeaky: Running, user: str, card: dict[str, Any], action_id: str) -> None:
    complaint_id = next(b["block_id"].split(":")[1] for b in card["blocks"] if b.get("type") == "actions")
    payload = block_action(user, user.lower(), action_id, complaint_id, CHANNEL, card["ts"])
    assert post_signed(squeaky.events_url, SIGNING_SECRET, payload).status_code == 200


def test_help_lists_every_subcommand_and_a_bad_one_gets_its_own_help(lead_squeaky: Running) -> None:
    overview = shown(command(lead_squeaky, MARIA, "help"))
    for usage in ("stats [today|24h|7d|30d|FROM..TO]", "backlog", "vip add @handle", "sla show", "oncall show"):
        assert usage in overview
    wrong = command(lead_squeaky, MARIA, "stats by colour")
    assert wrong["response_type"] == "ephemeral"
    assert "Sorry: `by` takes one of agent, tier, topic, source" in shown(wrong)
    assert "e.g. stats 7d by agent" in shown(wrong) and "oncall" not in shown(wrong)
    assert "is not a subcommand" in shown(command(lead_squeaky, MARIA, "launch rockets"))


def test_stats_answer_within_the_ack_and_the_chart_arrives_as_an_image(lead_squeaky: Running) -> None:
    cards = complaints(lead_squeaky, "@SqueakyAir my bag is lost", "@SqueakyAir refund please", "@SqueakyAir hello?")
    click(lead_squeaky, MARIA, cards[0], action_ids.CLAIM)
    lead_squeaky.slack.wait_for(
        lambda: "Claimed by" in shown(lead_squeaky.slack.channel_messages(CHANNEL)[0]) or lead_squeaky.work()
    )

    answer = command(lead_squeaky, MARIA, "stats today")
    assert answer["response_type"] == "ephemeral"
    text = shown(answer)
    assert "*Received*\\n3" in text and "*Claimed*\\n1 (33%)" in text
    assert "*Backlog now*: 2 waiting for an owner" in text
    assert "The chart follows in your direct messages with Squeaky" in text  # the answer says where it went
    # the chart follows: uploaded with files upload v2 into Maria's direct messages with Squeaky
    dm = lead_squeaky.slack.wait_for(lambda: [m for m in lead_squeaky.slack.dm(MARIA) if m.get("files")])
    [file] = dm[0]["files"]
    assert lead_squeaky.slack.files[file["id"]]["content"].startswith(b"\x89PNG")
    assert [c.method for c in lead_squeaky.slack.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_public_stats_by_agent_go_to_the_channel_with_the_chart(lead_squeaky: Running) -> None:
    cards = complaints(lead_squeaky, "@SqueakyAir my bag is lost", "@SqueakyAir where is my refund")
    click(lead_squeaky, MARIA, cards[0], action_ids.CLAIM)
    lead_squeaky.slack.wait_for(
        lambda: "Claimed by" in shown(lead_squeaky.slack.channel_messages(CHANNEL)[0]) or lead_squeaky.work()
    )
    answer = command(lead_squeaky, LEA, "stats 7d by agent public")
    assert answer["response_type"] == "in_channel"
    assert "*By agent*" in shown(answer) and "maria" in shown(answer) and "(nobody)" in shown(answer)
    assert "The chart follows in this channel" in shown(answer)
    posted = lead_squeaky.slack.wait_for(
        lambda: [m for m in lead_squeaky.slack.channel_messages(CHANNEL) if m.get("files")]
    )
    assert "Stats for the last 7d" in posted[0]["text"]


def test_backlog_lists_the_waiting_most_urgent_first_with_links(lead_squeaky: Running) -> None:
    complaints(lead_squeaky, "@SqueakyAir my flight was cancelled and I am stuck", "@SqueakyAir app is slow")
    answer = shown(command(lead_squeaky, MARIA, "backlog"))
    assert "Backlog: 2 waiting for an owner" in answer
    assert answer.count("https://squeaky-local.slack.com/archives/C0CARE/p") == 2, answer
    assert answer.index("cancelled") < answer.index("app is slow")  # the urgent one first


def test_only_leads_change_settings_and_everyone_outside_the_team_is_refused(lead_squeaky: Running) -> None:
    assert "Only team leads can change that" in shown(command(lead_squeaky, MARIA, "sla set vip 3"))
    assert "for the care team" in shown(command(lead_squeaky, EVE, "stats"))
    changed = shown(command(lead_squeaky, LEA, "sla set vip 3 10"))
    assert "vip: claim within 3 min, acknowledge within 10 min, pages on-call on arrival" in changed
    assert "vip: claim within 3 min" in shown(command(lead_squeaky, MARIA, "sla show"))

    command(lead_squeaky, LEA, "vip add @Big_Spender elite")
    assert "@big_spender: elite" in shown(command(lead_squeaky, MARIA, "vip list"))
    rotation = shown(command(lead_squeaky, LEA, "oncall rotation <@U0LI|li> <@U0SAM|sam> weekly at 09:00 on monday"))
    assert "On call now: <@U0LI>" in rotation and "Rotation (weekly): <@U0LI>, <@U0SAM>" in rotation


def test_the_home_tab_is_a_dashboard_with_a_chart_for_leads(lead_squeaky: Running) -> None:
    cards = complaints(lead_squeaky, "@SqueakyAir my bag is lost")
    click(lead_squeaky, MARIA, cards[0], action_ids.CLAIM)
    lead_squeaky.slack.wait_for(
        lambda: "Claimed by" in shown(lead_squeaky.slack.channel_messages(CHANNEL)[0]) or lead_squeaky.work()
    )
    assert post_event(
        lead_squeaky.events_url, SIGNING_SECRET, {"type": "app_home_opened", "user": LEA, "tab": "home"}
    ).ok
    home = lead_squeaky.slack.wait_for(lambda: lead_squeaky.slack.home_views.get(LEA))
    text = shown(home)
    assert "Squeaky: the care team today" in text and "*Who holds what*: u0maria 1" in text
    [image] = [b for b in home["blocks"] if b["type"] == "image"]
    assert lead_squeaky.slack.files[image["slack_file"]["id"]]["content"].startswith(b"\x89PNG")
    assert post_event(
        lead_squeaky.events_url, SIGNING_SECRET, {"type": "app_home_opened", "user": EVE, "tab": "home"}
    ).ok
    assert "for the care team" in shown(lead_squeaky.slack.wait_for(lambda: lead_squeaky.slack.home_views.get(EVE)))
    # the lead opens the tab again a moment later: the same chart, not a second upload
    uploads = len(lead_squeaky.slack.calls_to("files.completeUploadExternal"))
    del lead_squeaky.slack.home_views[LEA]
    assert post_event(
        lead_squeaky.events_url, SIGNING_SECRET, {"type": "app_home_opened", "user": LEA, "tab": "home"}
    ).ok
    again = lead_squeaky.slack.wait_for(lambda: lead_squeaky.slack.home_views.get(LEA))
    [same] = [b for b in again["blocks"] if b["type"] == "image"]
    assert same == image and len(lead_squeaky.slack.calls_to("files.completeUploadExternal")) == uploads == 1


def test_a_vip_complaint_pings_on_call_by_dm_on_arrival(lead_squeaky: Running) -> None:
    command(lead_squeaky, LEA, "vip add @very_important")
    complaints(lead_squeaky, "@SqueakyAir I have been waiting an hour at the gate", author="very_important")
    dm = lead_squeaky.slack.wait_for(lambda: lead_squeaky.slack.dm("U0ONCALL"), timeout=20)  # the worker's next pass
    assert "New complaint #" in dm[0]["text"] and "@very_important (vip)" in dm[0]["text"]
    assert "https://squeaky-local.slack.com/archives/C0CARE/p" in dm[0]["text"]


def test_pagerduty_is_triggered_acknowledged_and_resolved_by_dedup_key(
    start_squeaky: Start, team: LocalSlack, pagerduty: LocalPagerDuty
) -> None:
    squeaky = start_squeaky(
        slack_leads_group=LEADS,
        pagerduty_routing_key=pagerduty.routing_key,
        pagerduty_events_url=f"{pagerduty.url}/v2/enqueue",
    )
    command(squeaky, LEA, "vip add @very_important")
    [card] = complaints(squeaky, "@SqueakyAir my wheelchair was not at the gate", author="very_important")
    incident = squeaky.slack.wait_for(lambda: next(iter(pagerduty.incidents.values()), None), timeout=20)
    assert incident.status == "triggered" and "@very_important (vip)" in incident.summary
    assert incident.events[0]["links"][0]["href"].startswith("https://squeaky-local.slack.com/archives/C0CARE/p")
    click(squeaky, MARIA, card, action_ids.CLAIM)
    squeaky.slack.wait_for(lambda: squeaky.work() or incident.status == "acknowledged", timeout=20)
    assert squeaky.slack.dm("U0ONCALL") == []  # PagerDuty, not Slack, woke on-call


def test_the_registry_and_on_call_through_the_command(lead_squeaky: Running) -> None:
    imported = shown(command(lead_squeaky, LEA, "vip import handle,tier; @ann_b,vip; @corp_cfo,elite; @x,diamond"))
    assert "Imported 2 customer(s)" in imported and "tier 'diamond' is not one of" in imported
    command(lead_squeaky, LEA, "vip remove @ann_b")
    listed = shown(command(lead_squeaky, MARIA, "vip list"))
    assert "@corp_cfo: elite" in listed and "ann_b" not in listed
    assert "On call now: <@U0ONCALL>" in shown(command(lead_squeaky, MARIA, "oncall"))  # ONCALL_USER until a roster
    assert "On call now: <@U0LI>" in shown(command(lead_squeaky, LEA, "oncall set <@U0LI|li>"))
    assert "On call now: <@U0LI>" in shown(command(lead_squeaky, MARIA, "oncall show"))
    assert "Only team leads" in shown(command(lead_squeaky, MARIA, "oncall set <@U0MARIA|maria>"))
