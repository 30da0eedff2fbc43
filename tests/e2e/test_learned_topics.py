"""Triage that learns, end to end: with the team's answered cases in the database, a complaint the keyword rules
cannot place gets its topic from the learned model and the card says so ("learned"); a keyword's topic says
"rule". On Slack and on Teams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bootstrap import x_read_client
from bot.ingest import poll_once
from handlers.domain.suggestions import PastReply
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.reply_history import SqlReplyHistory
from storage.topics.live import LiveTopicModel
from tests.e2e.conftest import CHANNEL, Running, Start, teams_settings
from tests.e2e.test_agent_card import new_card
from tests.e2e.test_teams import arrive, content, words

pytestmark = pytest.mark.e2e


def _answered(pg_url: str) -> None:
    """Past complaints and the brand's replies: the replies name the topic the complaints never do."""
    upgrade(pg_url)
    past = []
    for n in range(30):
        past.append(PastReply("care", f"nothing on the carousel at belt {n}, waited ages", "So sorry your bag is late"))
        past.append(PastReply("care", f"I want my money back for trip {n}", "Your refund is on its way, {name}"))
        past.append(PastReply("care", f"lovely crew on trip {n}, thanks", "Glad you enjoyed it, {name}!"))
    engine = make_engine(pg_url)
    SqlReplyHistory(engine).add(past, origin="test")
    engine.dispose()


def _learned(squeaky: Running) -> None:
    model = squeaky.services.triage.learned
    assert isinstance(model, LiveTopicModel)
    model.refresh()  # as the worker's background training does a moment after it starts


def test_the_slack_card_says_which_decided_the_topic(start_squeaky: Start, pg_url: str) -> None:
    _answered(pg_url)
    squeaky = start_squeaky()
    _learned(squeaky)
    card = new_card(squeaky, "@SqueakyAir still nothing on the carousel, an hour now")
    assert "*baggage* · _learned_" in json.dumps(card["blocks"], ensure_ascii=False)

    squeaky.x.add_tweet("zoe_q", "@SqueakyAir I was double charged on my invoice")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    squeaky.slack.wait_for(lambda: len(squeaky.slack.channel_messages(CHANNEL)) > 1 or squeaky.work())
    assert "*billing* · _rule_" in json.dumps(squeaky.slack.channel_messages(CHANNEL)[-1]["blocks"], ensure_ascii=False)


def test_with_the_model_off_the_rules_decide(start_squeaky: Start, pg_url: str) -> None:
    _answered(pg_url)
    squeaky = start_squeaky(topic_model=False)
    assert squeaky.services.triage.learned is None
    card = new_card(squeaky, "@SqueakyAir still nothing on the carousel, an hour now")
    assert "*other* · _rule_" in json.dumps(card["blocks"], ensure_ascii=False)


def test_the_teams_card_says_which_decided_the_topic(start_squeaky: Start, local_teams: Any, pg_url: str) -> None:
    _answered(pg_url)
    squeaky = start_squeaky(**teams_settings(local_teams, oncall_user=None))
    _learned(squeaky)
    shown = words(content(arrive(squeaky, "@SqueakyAir still nothing on the carousel, an hour now")))
    assert '"text": "baggage"' in shown and '"text": " · learned"' in shown
