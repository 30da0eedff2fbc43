"""Fakes of the audit trail, people, checkpoints, team settings and workers' heartbeats."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from handlers.domain.availability import Availability
from handlers.domain.complaint import AuditEvent, CardRef
from handlers.domain.late import LateAlert
from handlers.domain.people import Identity, Person
from handlers.domain.queue_rules import QueueOverrides
from handlers.domain.roster import Roster
from handlers.domain.sla import SlaPolicy
from handlers.domain.spikes import SpikeState
from handlers.domain.storm import Storm
from handlers.ports.workers import SILENT_AFTER
from tests.fakes.state import FakeState


class _Audit:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def record(self, event: AuditEvent) -> None:
        self.s.audit.append(event)

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        return [e for e in self.s.audit if e.complaint_id == complaint_id]

    def blank_details(self, before: datetime, after_id: int, limit: int) -> list[int]:
        emptied = []
        for n, event in enumerate(self.s.audit, start=1):
            if n <= after_id:
                continue
            if event.at >= before or len(emptied) >= limit:
                break
            self.s.audit[n - 1] = replace(event, detail={})
            emptied.append(n)
        return emptied


class _People:
    """People by key. A key nobody resolved yet is a person too, whose id on every surface is the key itself: unit
    tests name people as they like ("U0ONCALL")."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def resolve(self, identity: Identity) -> Person:
        for person in self.s.people.values():
            if person.handles.get(identity.surface) == identity.external_id:
                return person
        key = identity.external_id
        person = Person(key, identity.name or key, {identity.surface: identity.external_id})  # type: ignore[arg-type]
        self.s.people[key] = person
        return person

    def get_many(self, keys: Collection[str]) -> dict[str, Person]:
        found = {}
        for key in keys:
            everywhere = _Everywhere(key)
            found[key] = self.s.people.get(key) or Person(key, key, everywhere)  # type: ignore[arg-type]
        return found


class _Everywhere(dict[str, str]):
    """A person's handle on any surface: their key."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self._key = key

    def get(self, surface: str, default: object = None) -> str:  # type: ignore[override]
        return self._key

    def __contains__(self, surface: object) -> bool:
        return True

    def __getitem__(self, surface: str) -> str:
        return self._key


class _Checkpoints:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def get(self, name: str) -> str | None:
        return self.s.checkpoints.get(name)

    def set(self, name: str, value: str) -> None:
        self.s.checkpoints[name] = value

    def compare_and_set(self, name: str, expected: str | None, value: str) -> bool:
        if self.s.checkpoints.get(name) != expected:
            return False
        self.s.checkpoints[name] = value
        return True


class _Team:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def sla_policies(self) -> dict[str, SlaPolicy]:
        return dict(self.s.sla)

    def set_sla_policy(self, policy: SlaPolicy) -> None:
        self.s.sla[policy.tier] = policy

    def roster(self, queue: str | None = None) -> Roster | None:
        return self.s.queue_rosters.get(queue) if queue else self.s.roster

    def set_roster(self, roster: Roster, queue: str | None = None) -> None:
        if queue:
            self.s.queue_rosters[queue] = roster
        else:
            self.s.roster = roster

    def queue_overrides(self) -> dict[str, QueueOverrides]:
        return dict(self.s.queue_overrides)

    def set_queue_overrides(self, queue: str, overrides: QueueOverrides) -> None:
        self.s.queue_overrides[queue] = overrides

    def spike_states(self) -> dict[str, SpikeState]:
        return dict(self.s.spikes)

    def set_spike_state(self, topic: str, state: SpikeState) -> None:
        self.s.spikes[topic] = state

    def announcement(self, key: str) -> CardRef | None:
        return self.s.announcements.get(key)

    def remember_announcement(self, key: str, ref: CardRef) -> None:
        self.s.announcements[key] = ref

    def availability(self) -> dict[str, Availability]:
        return dict(self.s.available)

    def set_availability(self, person: str, availability: Availability | None) -> None:
        if availability is None:
            self.s.available.pop(person, None)
        else:
            self.s.available[person] = availability

    def last_assigned(self, queue: str) -> str | None:
        return self.s.last_assigned.get(queue)

    def set_last_assigned(self, queue: str, person: str) -> None:
        self.s.last_assigned[queue] = person

    def storms(self) -> dict[str, Storm]:
        return dict(self.s.storms)

    def set_storm(self, queue: str, storm: Storm | None) -> None:
        if storm is None:
            self.s.storms.pop(queue, None)
        else:
            self.s.storms[queue] = storm

    def start_storm(self, queue: str, storm: Storm) -> bool:
        if queue in self.s.storms:
            return False
        self.s.storms[queue] = storm
        return True

    def late_alerts(self) -> dict[str, LateAlert]:
        return dict(self.s.late_alerts)

    def set_late_alert(self, queue: str, alert: LateAlert | None) -> None:
        if alert is None:
            self.s.late_alerts.pop(queue, None)
        else:
            self.s.late_alerts[queue] = alert

    def installation(self, surface: str) -> dict[str, str]:
        return dict(self.s.installations.get(surface, {}))

    def remember_installation(self, surface: str, values: Mapping[str, str]) -> None:
        self.s.installations[surface] = dict(values)


class _NoStats:
    """Statistics are SQL through and through: their tests run on SQLite and PostgreSQL, not on these fakes."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"stats.{name} has no fake; test it against a real database")


class _Workers:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def beat(self, name: str, now: datetime) -> None:
        self.s.workers[name] = now

    def leave(self, name: str) -> None:
        self.s.workers.pop(name, None)

    def silent(self, now: datetime) -> list[str]:
        return [name for name, seen in self.s.workers.items() if seen < now - SILENT_AFTER]

    def forget_silent(self, before: datetime) -> int:
        gone = [name for name, seen in self.s.workers.items() if seen < before]
        for name in gone:
            del self.s.workers[name]
        return len(gone)
