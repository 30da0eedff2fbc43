"""Triage that learns: the topic model decides only when confident, the keyword rules stay the explainable fallback,
and answered cases are labelled by the rules reading the complaint with the brand's reply."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.intake.topics import LEARNED, OTHER, RULE, TopicRules, compile_topic, decide, label
from storage.topics.live import LiveTopicModel
from storage.topics.model import LearnedTopics

RULES = TopicRules(
    (
        compile_topic("baggage", "S0BAGS", ["bag", "suitcase"], []),
        compile_topic("refund", None, ["refund"], []),
    )
)


@dataclass
class Sure:
    """A model that always says `topic` with `probability`."""

    topic: str
    probability: float

    def guess(self, text: str) -> tuple[str, float] | None:
        return self.topic, self.probability


def test_a_confident_model_decides_and_keeps_the_topics_skill_group() -> None:
    topic, by = decide(RULES, Sure("baggage", 0.9), "nothing on the carousel", 0.6)
    assert (topic.name, topic.skill_group, by) == ("baggage", "S0BAGS", LEARNED)


def test_an_unsure_or_absent_model_leaves_it_to_the_rules() -> None:
    assert decide(RULES, Sure("baggage", 0.5), "where is my refund", 0.6)[0].name == "refund"
    assert decide(RULES, Sure("baggage", 0.5), "where is my refund", 0.6)[1] == RULE
    assert decide(RULES, None, "my bag", 0.6)[1] == RULE


def test_a_keyword_beats_a_confident_other_and_an_unknown_topic_is_ignored() -> None:
    assert decide(RULES, Sure(OTHER, 0.99), "my bag is lost", 0.6) == (RULES.topics[0], RULE)
    assert decide(RULES, Sure(OTHER, 0.99), "hello there", 0.6)[1] == LEARNED
    assert decide(RULES, Sure("weather", 0.99), "hello there", 0.6)[1] == RULE


def test_an_answered_case_is_labelled_by_its_complaint_and_reply_read_together() -> None:
    assert label(RULES, "nothing on the carousel after two hours", "So sorry your bag is missing") == "baggage"
    assert label(RULES, "nothing on the carousel", "We are on it") == OTHER


def _history(n: int) -> list[tuple[str, str]]:
    rows = []
    for i in range(n):
        rows.append((f"nothing on the carousel at gate {i}, still waiting", "baggage"))
        rows.append((f"I want my money back for booking {i}, it was cancelled", "refund"))
        rows.append((f"thanks for the lovely flight number {i}", OTHER))
    return rows


def test_the_model_learns_what_the_keywords_miss_and_is_sure_of_it() -> None:
    rows = _history(30)
    model = LearnedTopics.train([t for t, _ in rows], [label for _, label in rows])
    assert model is not None
    guess = model.guess("still nothing on the carousel")
    assert guess is not None and guess[0] == "baggage" and guess[1] > 0.6
    topic, by = decide(RULES, model, "still nothing on the carousel", 0.6)
    assert (topic.name, by) == ("baggage", LEARNED)


def test_too_little_history_learns_nothing_and_the_rules_decide() -> None:
    rows = _history(5)
    assert LearnedTopics.train([t for t, _ in rows], [label for _, label in rows]) is None
    live = LiveTopicModel(lambda: rows, lambda: len(rows))
    assert live.refresh() and live.guess("nothing on the carousel") is None


def test_the_live_model_trains_once_per_change_of_history() -> None:
    rows = _history(30)
    live = LiveTopicModel(lambda: rows, lambda: len(rows), clock=lambda: 0.0)  # no background look: time stands
    assert live.refresh() is True
    assert live.refresh() is False, "the same history is not trained again"
    guess = live.guess("nothing on the carousel")
    assert guess is not None and guess[0] == "baggage"
    rows.append(("another carousel wait", "baggage"))
    assert live.refresh() is True
