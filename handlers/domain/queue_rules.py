"""Each queue's rules as they stand: its service levels by tier and its business hours, from the team's levels, the
queue's policy file entry and what leads have changed from the command since (the most specific wins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.domain.hours import BusinessHours, parse_hours
from handlers.domain.queue import Assignment, Queue, QueuePolicy
from handlers.domain.sla import SlaPolicy, policy_for, with_defaults


@dataclass(frozen=True)
class QueueOverrides:
    """What leads changed for one queue from the command: service levels by tier, and business hours."""

    levels: Mapping[str, SlaPolicy] = field(default_factory=dict)
    hours: BusinessHours | None = None  # None: as the policy file says
    assign: Assignment | None = None  # None: as the policy file says

    def to_json(self) -> dict[str, Any]:
        """The overrides as stored."""
        hours = self.hours
        return {
            "levels": {
                t: {"claim": p.claim_minutes, "acknowledge": p.ack_minutes, "page": p.page_on_arrival}
                for t, p in self.levels.items()
            },
            "hours": None
            if hours is None
            else {"weekly": hours.said, "timezone": hours.timezone, "holidays": sorted(str(d) for d in hours.holidays)},
            "assign": None if self.assign is None else {"mode": self.assign.mode, "cap": self.assign.cap},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QueueOverrides:
        """Stored overrides."""
        levels = {
            str(t): SlaPolicy(str(t), int(v["claim"]), int(v["acknowledge"]), bool(v.get("page")))
            for t, v in (data.get("levels") or {}).items()
        }
        raw = data.get("hours")
        hours = parse_hours(raw["weekly"], raw["timezone"], list(raw["holidays"])) if raw else None
        assign = data.get("assign")
        return cls(levels, hours, Assignment(str(assign["mode"]), int(assign["cap"])) if assign else None)


@dataclass(frozen=True)
class QueueRules:
    """One queue's service levels by tier and its business hours, as they stand."""

    queue: Queue
    levels: Mapping[str, SlaPolicy]
    hours: BusinessHours
    assign: Assignment = field(default_factory=Assignment)

    def policy(self, tier: str) -> SlaPolicy:
        """The service level of a tier on this queue (a tier without one follows "standard")."""
        return policy_for(dict(self.levels), tier)


def rules_of(
    queues: QueuePolicy, team_levels: Mapping[str, SlaPolicy], overrides: Mapping[str, QueueOverrides]
) -> dict[str, QueueRules]:
    """Every queue's rules: the team's levels, then the queue's file entry, then leads' changes to the queue."""
    team = with_defaults(dict(team_levels))
    rules = {}
    for queue in queues.all():
        changed = overrides.get(queue.name, QueueOverrides())
        levels = {**team, **queue.service_levels, **changed.levels}
        rules[queue.name] = QueueRules(queue, levels, changed.hours or queue.hours, changed.assign or queue.assign)
    return rules


def rules_for(rules: Mapping[str, QueueRules], queues: QueuePolicy, name: str) -> QueueRules:
    """The rules of the queue called `name`; a queue no longer in the policy follows the default queue's."""
    return rules.get(name) or rules[queues.default.name]
