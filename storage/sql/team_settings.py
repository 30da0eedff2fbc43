"""Team settings in SQL: service levels per tier, and small named JSON settings (roster, spike memory)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from handlers.domain.availability import Availability
from handlers.domain.complaint import CardRef
from handlers.domain.late import LateAlert
from handlers.domain.queue_rules import QueueOverrides
from handlers.domain.roster import Roster
from handlers.domain.sla import SlaPolicy
from handlers.domain.spikes import SpikeState
from handlers.domain.storm import Storm
from handlers.ports.clock import Clock
from storage.sql.set_queries import insert_or_ignore
from storage.sql.tables import sla_policies, team_settings

_ROSTER = "oncall.roster"
_SPIKE = "spike:"
_ANNOUNCEMENT = "announcement:"
_INSTALLATION = "installation:"
_LATE = "late:"
_QUEUE = "queue:"
_STORM = "storm:"
_AVAILABLE = "available:"
_ASSIGNED = "assigned:"


class SqlTeamSettings:
    """The `sla_policies` and `team_settings` tables."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def sla_policies(self) -> dict[str, SlaPolicy]:
        """Service levels leads have set, by tier."""
        rows = self._c.execute(select(sla_policies)).mappings()
        return {
            r["tier"]: SlaPolicy(r["tier"], r["claim_minutes"], r["ack_minutes"], bool(r["page_on_arrival"]))
            for r in rows
        }

    def set_sla_policy(self, policy: SlaPolicy) -> None:
        """Set one tier's service level (replacing what was there)."""
        self._c.execute(delete(sla_policies).where(sla_policies.c.tier == policy.tier))
        self._c.execute(
            insert(sla_policies).values(
                tier=policy.tier,
                claim_minutes=policy.claim_minutes,
                ack_minutes=policy.ack_minutes,
                page_on_arrival=policy.page_on_arrival,
                updated_at=self._clock.now(),
            )
        )

    def _get(self, name: str) -> Any:
        return self._c.execute(select(team_settings.c.value).where(team_settings.c.name == name)).scalar()

    def _set(self, name: str, value: Any) -> None:
        self._c.execute(delete(team_settings).where(team_settings.c.name == name))
        self._c.execute(insert(team_settings).values(name=name, value=value, updated_at=self._clock.now()))

    def roster(self, queue: str | None = None) -> Roster | None:
        """The on-call roster (the team's, or one queue's), if set."""
        value = self._get(_ROSTER + (f":{queue}" if queue else ""))
        return Roster.from_json(value) if value else None

    def set_roster(self, roster: Roster, queue: str | None = None) -> None:
        """Replace the on-call roster (the team's, or one queue's)."""
        self._set(_ROSTER + (f":{queue}" if queue else ""), roster.to_json())

    def queue_overrides(self) -> dict[str, QueueOverrides]:
        """What leads changed of each queue's rules."""
        query = select(team_settings.c.name, team_settings.c.value).where(team_settings.c.name.like(f"{_QUEUE}%"))
        return {name.removeprefix(_QUEUE): QueueOverrides.from_json(value) for name, value in self._c.execute(query)}

    def set_queue_overrides(self, queue: str, overrides: QueueOverrides) -> None:
        """Replace what leads changed of one queue's rules."""
        self._set(_QUEUE + queue, overrides.to_json())

    def spike_states(self) -> dict[str, SpikeState]:
        """The spike detector's memory, by topic."""
        query = select(team_settings.c.name, team_settings.c.value).where(team_settings.c.name.like(f"{_SPIKE}%"))
        return {name.removeprefix(_SPIKE): SpikeState.from_json(value) for name, value in self._c.execute(query)}

    def set_spike_state(self, topic: str, state: SpikeState) -> None:
        """Remember one topic's detector state."""
        self._set(_SPIKE + topic, state.to_json())

    def announcement(self, key: str) -> CardRef | None:
        """Where an alert's channel message lives."""
        value = self._get(_ANNOUNCEMENT + key)
        return CardRef(value["surface"], value["channel"], dict(value["data"])) if value else None

    def remember_announcement(self, key: str, ref: CardRef) -> None:
        """Remember where an alert's channel message lives."""
        self._set(_ANNOUNCEMENT + key, {"surface": ref.surface, "channel": ref.channel, "data": dict(ref.data)})

    def availability(self) -> dict[str, Availability]:
        """The agents taking push assignments now."""
        query = select(team_settings.c.name, team_settings.c.value).where(team_settings.c.name.like(f"{_AVAILABLE}%"))
        return {name.removeprefix(_AVAILABLE): Availability.from_json(v) for name, v in self._c.execute(query)}

    def set_availability(self, person: str, availability: Availability | None) -> None:
        """Mark someone available, or away."""
        if availability is None:
            self._c.execute(delete(team_settings).where(team_settings.c.name == _AVAILABLE + person))
        else:
            self._set(_AVAILABLE + person, availability.to_json())

    def last_assigned(self, queue: str) -> str | None:
        """Who the queue's round-robin handed a complaint to last."""
        value = self._get(_ASSIGNED + queue)
        return str(value["person"]) if isinstance(value, dict) and value.get("person") else None

    def set_last_assigned(self, queue: str, person: str) -> None:
        """Remember the queue's round-robin position."""
        self._set(_ASSIGNED + queue, {"person": person})

    def storms(self) -> dict[str, Storm]:
        """The queues in storm mode."""
        query = select(team_settings.c.name, team_settings.c.value).where(team_settings.c.name.like(f"{_STORM}%"))
        return {name.removeprefix(_STORM): Storm.from_json(value) for name, value in self._c.execute(query)}

    def set_storm(self, queue: str, storm: Storm | None) -> None:
        """Remember one queue's storm, or forget it once over."""
        if storm is None:
            self._c.execute(delete(team_settings).where(team_settings.c.name == _STORM + queue))
        else:
            self._set(_STORM + queue, storm.to_json())

    def start_storm(self, queue: str, storm: Storm) -> bool:
        """Start a storm on `queue` unless one is on; False when one was (two workers starting it at once: one
        wins, and neither transaction fails)."""
        statement = insert_or_ignore(self._c, team_settings).values(
            name=_STORM + queue, value=storm.to_json(), updated_at=self._clock.now()
        )
        return self._c.execute(statement.returning(team_settings.c.name)).first() is not None  # read back, not counted

    def late_alerts(self) -> dict[str, LateAlert]:
        """The open alerts for complaints past their service level, by queue."""
        query = select(team_settings.c.name, team_settings.c.value).where(team_settings.c.name.like(f"{_LATE}%"))
        return {name.removeprefix(_LATE): LateAlert.from_json(value) for name, value in self._c.execute(query)}

    def set_late_alert(self, queue: str, alert: LateAlert | None) -> None:
        """Remember one queue's open alert, or forget it once closed."""
        if alert is None:
            self._c.execute(delete(team_settings).where(team_settings.c.name == _LATE + queue))
        else:
            self._set(_LATE + queue, alert.to_json())

    def installation(self, surface: str) -> Mapping[str, str]:
        """What a chat tool said of itself when Squeaky was added to it."""
        value = self._get(_INSTALLATION + surface)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def remember_installation(self, surface: str, values: Mapping[str, str]) -> None:
        """Remember what a chat tool said when Squeaky was added to it."""
        self._set(_INSTALLATION + surface, dict(values))
