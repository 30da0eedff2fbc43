"""Who may do what, end to end: every card action by someone outside the care team, and every lead subcommand by an
agent who is not a lead, is refused with a clear private message, audited, and changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from handlers.domain.complaint import Action
from sandbox.interactions import block_action, post_command, post_signed, slash_command
from storage.sql.tables import audit_events, complaints, sla_policies
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Running, Start
from tests.people import owner_column, owners_joined, slack_ids

pytestmark = pytest.mark.e2e
AGENTS, LEADS = "S0AGENTS", "S0LEADS"
ANN, LEA, EVE = "U0ANN", "U0LEA", "U0EVE"
CHANGES = [
    "vip add @someone",
    "vip remove @someone",
    "vip import @a,vip",
    "sla set vip 1",
    "sla page standard on",
    "oncall set <@U0ANN|ann>",
    "oncall rotation <@U0ANN|ann> <@U0LEA|lea> weekly",
]
READS = ["stats", "stats 7d by agent", "backlog", "vip list", "sla show", "oncall show"]


@pytest.fixture
def team_squeaky(start_squeaky: Start, local_slack: object) -> Running:
    squeaky = start_squeaky(slack_agents_group=AGENTS, slack_leads_group=LEADS)
    squeaky.slack.usergroups.update({AGENTS: [ANN, LEA], LEADS: [LEA]})
    return squeaky


def _card(squeaky: Running) -> dict[str, object]:
    squeaky.x.add_tweet("maria_k", "@SqueakyAir my bag never arrived")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    return dict(squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())[-1])


def _rows(squeaky: Running) -> list[tuple[object, ...]]:
    with squeaky.services.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                select(complaints.c.status, complaints.c.version, owner_column()).select_from(owners_joined())
            )
        ]


def _refusals(squeaky: Running, actor: str) -> list[str]:
    with squeaky.services.engine.connect() as connection:
        ids = slack_ids(connection)
        query = select(audit_events.c.action, audit_events.c.actor_id).order_by(audit_events.c.id)
        return [a for a, who in connection.execute(query) if ids.get(who, who) == actor]


def test_every_card_action_by_an_outsider_is_refused_privately_and_audited(team_squeaky: Running) -> None:
    card = _card(team_squeaky)
    before = _rows(team_squeaky)
    attempts = list(action_ids.BY_ACTION)  # the buttons
    menu = [Action.DISMISS, Action.MERGE, Action.REASSIGN, Action.ESCALATE]  # the card's menu
    for action in attempts:
        payload = block_action(EVE, "eve", action_ids.BY_ACTION[action], f"{action.value}:1", CHANNEL, str(card["ts"]))
        assert post_signed(team_squeaky.events_url, SIGNING_SECRET, payload).status_code == 200
    for action in menu:
        payload = block_action(EVE, "eve", action_ids.MORE, "", CHANNEL, str(card["ts"]), selected=f"{action.value}:1")
        assert post_signed(team_squeaky.events_url, SIGNING_SECRET, payload).status_code == 200
    every = len(attempts) + len(menu)
    told = team_squeaky.slack.wait_for(
        lambda: len(team_squeaky.slack.ephemerals) >= every and team_squeaky.slack.ephemerals
    )
    assert all(e["user"] == EVE and "not on the care team" in e["text"] for e in told)
    refused = team_squeaky.slack.wait_for(
        lambda: len(_refusals(team_squeaky, EVE)) >= every and _refusals(team_squeaky, EVE)
    )
    assert sorted(refused) == sorted(f"refused:{a.value}" for a in [*attempts, *menu])
    assert _rows(team_squeaky) == before
    assert team_squeaky.slack.views == []  # no form opened for someone who may not use it


def _command(squeaky: Running, user: str, text: str) -> str:
    fields = slash_command(user, user.lower(), text, CHANNEL, squeaky.slack.response_url())
    answer = post_command(squeaky.events_url, SIGNING_SECRET, fields)
    assert answer.status_code == 200
    return json.dumps(answer.json())


def test_lead_subcommands_are_for_leads_and_every_subcommand_is_for_the_team(team_squeaky: Running) -> None:
    for text in CHANGES:
        assert "Only team leads can change that" in _command(team_squeaky, ANN, text), text
    for text in READS + CHANGES:
        assert "for the care team" in _command(team_squeaky, EVE, text), text
    for text in READS:
        assert "Sorry" not in _command(team_squeaky, ANN, text), text
    assert _refusals(team_squeaky, ANN) == ["refused:command"] * len(CHANGES)
    assert _refusals(team_squeaky, EVE) == ["refused:command"] * len(READS + CHANGES)
    with team_squeaky.services.engine.connect() as connection:
        assert connection.execute(select(sla_policies)).first() is None
    assert "vip: claim within 1 min" in _command(team_squeaky, LEA, "sla set vip 1")  # and a lead may
