"""The learned topic model, wired: labelled from the database's history (imported past replies and our answered
cases), trained in the background in each process that triages, beside the keyword rules."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine

from bot.config import Settings
from handlers.intake.topics import TopicRules, label
from storage.sql.reply_history import SqlReplyHistory
from storage.topics.live import LiveTopicModel


def labelled(history: SqlReplyHistory, rules: TopicRules) -> Iterator[tuple[str, str]]:
    """Each past complaint with the topic it teaches: the rules' topic of the complaint and its reply read together."""
    for past in history.imported():
        yield past.complaint, label(rules, past.complaint, past.reply)
    for case in history.answered():
        yield case.complaint, label(rules, case.complaint, case.reply)


def topic_model(settings: Settings, engine: Engine, rules: TopicRules) -> LiveTopicModel | None:
    """Topics learned from the history, kept fresh in this process; None when TOPIC_MODEL is off or no topics are
    set."""
    if not settings.topic_model or not rules.topics:
        return None
    history = SqlReplyHistory(engine)
    return LiveTopicModel(lambda: labelled(history, rules), history.stamp)
