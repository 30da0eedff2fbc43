"""Topics: keyword and regex rules, each topic owned by a skill group; "other" catches the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from handlers.intake.patterns import any_of
from handlers.ports.topics import TopicModel

OTHER = "other"


@dataclass(frozen=True)
class Topic:
    """One topic: what it matches and the skill group (a group of people in the chat tool) that handles it."""

    name: str
    skill_group: str | None
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class TopicRules:
    """Topics in the order they are tried; the first whose pattern matches wins."""

    topics: tuple[Topic, ...]
    other_group: str | None = None

    @cached_property
    def any_topic(self) -> re.Pattern[str] | None:
        """One expression that matches where any topic's does (compiled once; None: ask them in turn)."""
        return any_of([topic.pattern for topic in self.topics if topic.pattern is not None])

    def classify(self, text: str) -> Topic:
        """The topic of `text` ("other" when nothing matches)."""
        together = self.any_topic
        if together is not None and not together.search(text):
            return Topic(OTHER, self.other_group, None)
        for topic in self.topics:  # the first in the policy's order wins
            if topic.pattern is not None and topic.pattern.search(text):
                return topic
        return Topic(OTHER, self.other_group, None)


def compile_topic(name: str, skill_group: str | None, keywords: list[str], patterns: list[str]) -> Topic:
    """Build a topic from plain keywords (matched as whole words, any case) and regular expressions."""
    parts = [r"\b" + re.escape(k.strip()).replace(r"\ ", r"\s+") + r"\b" for k in keywords if k.strip()]
    parts += [f"(?:{p})" for p in patterns]
    if not parts:
        raise ValueError(f"topic {name!r} has neither keywords nor patterns")
    return Topic(name, skill_group, re.compile("|".join(parts), re.IGNORECASE))


RULE, LEARNED = "rule", "learned"  # which decided a complaint's topic: the keyword rules, or the learned model


def decide(rules: TopicRules, model: TopicModel | None, text: str, confidence: float) -> tuple[Topic, str]:
    """The topic of `text` and which decided it. The learned model decides when it is at least `confidence` sure of
    a topic the rules know; the keyword rules, the explainable fallback, decide otherwise, and whenever they find a
    topic the model only calls "other" (a keyword is evidence, "other" is its absence)."""
    by_rule = rules.classify(text)
    guess = model.guess(text) if model is not None else None
    if guess is None or guess[1] < confidence:
        return by_rule, RULE
    name = guess[0]
    if name == OTHER:
        return (by_rule, RULE) if by_rule.name != OTHER else (by_rule, LEARNED)
    known = next((topic for topic in rules.topics if topic.name == name), None)
    return (known, LEARNED) if known is not None else (by_rule, RULE)


def label(rules: TopicRules, complaint: str, reply: str) -> str:
    """The topic an answered case teaches: the rules' topic of the complaint and the brand's reply read together (the
    reply names what the complaint was about: "sorry about your bag" labels "my case never arrived" as baggage)."""
    return rules.classify(f"{complaint}\n{reply}").name
