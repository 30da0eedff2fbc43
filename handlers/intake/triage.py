"""The triage policy as one object, parsed (and checked) from the mapping the config file holds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from handlers.domain.queue import QueuePolicy
from handlers.intake.noise import NoiseAction, NoiseRules
from handlers.intake.priority import PriorityPolicy
from handlers.intake.surges import SurgeRules
from handlers.intake.topics import TopicRules, compile_topic
from handlers.ports.surges import Fingerprints
from handlers.ports.topics import TopicModel


class TriageConfigError(ValueError):
    """The triage config is wrong; the message names the key and what is wrong with it."""


@dataclass(frozen=True)
class Triage:
    """Noise rules, topics, the priority policy and the threading window."""

    noise: NoiseRules = field(default_factory=lambda: NoiseRules(actions={}))
    topics: TopicRules = field(default_factory=lambda: TopicRules(topics=()))
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)
    same_author_window: timedelta = timedelta(hours=72)
    queues: QueuePolicy = field(default_factory=QueuePolicy)
    fingerprints: Fingerprints | None = None  # near-duplicate keys of a text (None: no storm from similar complaints)
    surges: SurgeRules = field(default_factory=SurgeRules)
    learned: TopicModel | None = None  # topics learned from answered cases; decides only when confident
    topic_confidence: float = 0.6


def _regexes(values: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TriageConfigError(f"{where} must be a list of regular expressions")
    compiled = []
    for value in values:
        try:
            compiled.append(re.compile(value, re.IGNORECASE))
        except re.error as exc:
            raise TriageConfigError(f"{where}: {value!r} is not a valid regular expression ({exc})") from None
    return tuple(compiled)


def _number(section: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TriageConfigError(f"{where}.{key} must be a number, not {value!r}")
    return float(value)


def _group(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise TriageConfigError(f"{where} must be a group id in the chat tool (text)")
    return value


def parse_triage(data: Mapping[str, Any]) -> Triage:
    """Build the policy from the config mapping, or raise TriageConfigError naming what is wrong."""
    noise_section = data.get("noise", {})
    actions: dict[str, NoiseAction] = {}
    for rule in ("retweet", "own post", "spam", "passing mention"):
        value = noise_section.get(rule, "mark")
        try:
            actions[rule] = NoiseAction(value)
        except ValueError:
            raise TriageConfigError(f'noise."{rule}" must be "filter" or "mark", not {value!r}') from None
    noise = NoiseRules(
        actions=actions,
        spam_patterns=_regexes(noise_section.get("spam_patterns", []), "noise.spam_patterns"),
        max_links=int(_number(noise_section, "max_links", "noise", 3)),
        max_hashtags=int(_number(noise_section, "max_hashtags", "noise", 6)),
    )

    topics = []
    for n, entry in enumerate(data.get("topics", [])):
        where = f"topics[{n}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise TriageConfigError(f"{where}.name is missing")
        keywords, patterns = entry.get("keywords", []), entry.get("patterns", [])
        if not isinstance(keywords, list) or not isinstance(patterns, list):
            raise TriageConfigError(f"{where} ({name}): keywords and patterns must be lists")
        _regexes(patterns, f"{where}.patterns")
        group = _group(entry.get("skill_group"), f"{where}.skill_group")
        try:
            topics.append(compile_topic(name, group, keywords, patterns))
        except ValueError as exc:
            raise TriageConfigError(f"{where}: {exc}") from None
    other_group = _group(data.get("other", {}).get("skill_group"), "other.skill_group")

    p = data.get("priority", {})
    tier_points = p.get("tier_points", {"vip": 50, "elite": 30, "standard": 0})
    if not isinstance(tier_points, Mapping) or not all(isinstance(v, int) for v in tier_points.values()):
        raise TriageConfigError("priority.tier_points must map each tier to whole points")
    policy = PriorityPolicy(
        tier_points={str(k).lower(): int(v) for k, v in tier_points.items()},
        urgency_points=int(_number(p, "urgency_points", "priority", 30)),
        urgency_patterns=_regexes(p.get("urgency_patterns", []), "priority.urgency_patterns"),
        aging_points_per_hour=_number(p, "aging_points_per_hour", "priority", 6),
        marked_noise_points=int(_number(p, "marked_noise_points", "priority", -40)),
        follower_points_per_decade=int(_number(p, "follower_points_per_decade", "priority", 0)),
    )
    hours = _number(data.get("threading", {}), "same_author_window_hours", "threading", 72)
    if hours < 0:
        raise TriageConfigError("threading.same_author_window_hours must be 0 or more")
    topic_rules = TopicRules(tuple(topics), other_group)
    return Triage(noise, topic_rules, policy, timedelta(hours=hours), surges=_surge_rules(data.get("similar", {})))


def _surge_rules(section: Any) -> SurgeRules:
    """The `[similar]` section: when a surge of similar complaints starts storm mode."""
    if not isinstance(section, Mapping):
        raise TriageConfigError("similar must be a table: at_least, window_seconds, factor")
    at_least = _number(section, "at_least", "similar", 20)
    window = _number(section, "window_seconds", "similar", 300)
    factor = _number(section, "factor", "similar", 5)
    if at_least < 0 or at_least != int(at_least) or not 10 <= window <= 86400 or not 1 <= factor <= 1000:
        raise TriageConfigError(
            "similar.at_least must be a whole number (0: off), window_seconds 10 to 86400 and factor 1 to 1000"
        )
    return SurgeRules(int(at_least), timedelta(seconds=window), factor)
