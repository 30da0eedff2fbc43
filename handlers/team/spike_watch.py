"""Watch for spikes: once a minute, each topic's (and the total's) complaints in the window go through the detector;
an opening spike raises one alert to on-call and the channel, whose count then updates, and which clears itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers.cases.on_call import who_is_on_call
from handlers.dispatch.fan_out import send
from handlers.domain.complaint import SYSTEM, AuditEvent
from handlers.domain.outbox_kinds import Announcement, Page
from handlers.domain.people import Identity
from handlers.domain.spikes import ALL_TOPICS, SpikeState
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from handlers.team.spikes import SpikeEvent, SpikeRules, observe

EXAMPLES = 3


def _label(topic: str) -> str:
    return "all topics" if topic == ALL_TOPICS else f"“{topic}”"


def _text(
    uow: UnitOfWork, topic: str, state: SpikeState, count: int, event: SpikeEvent, since: datetime, rules: SpikeRules
) -> str:
    window = f"the last {rules.window_minutes} min"
    usual = f"usually about {max(state.baseline or 0.0, 0.0):.1f}"
    if event is SpikeEvent.CLEARED:
        back = f"are back to {count} in {window}"
        return f"Cleared: complaints about {_label(topic)} {back} ({usual}; the peak was {state.peak})."
    examples = uow.stats.examples(None if topic == ALL_TOPICS else topic, since, EXAMPLES)
    quoted = "; ".join(f"#{e.complaint_id} @{e.author_handle}: “{e.text[:100]}”" for e in examples)
    return (
        f"Spike: {count} complaints about {_label(topic)} in {window} ({usual}; peak {state.peak}). "
        f"One incident, updated as it grows. Examples: {quoted}"
    )


def check_spikes(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: SpikeRules, *, fallback_on_call: Identity | None = None
) -> list[tuple[str, SpikeEvent]]:
    """Fold the last window's counts into each topic's detector; alert, update or clear; return the events."""
    now = clock.now()
    since = now - timedelta(minutes=rules.window_minutes)
    events: list[tuple[str, SpikeEvent]] = []
    on_call_now = who_is_on_call(uow_factory, clock, fallback_on_call)
    with uow_factory() as uow:
        states = uow.team.spike_states()
        counts = uow.stats.topic_counts(since)
        counts[ALL_TOPICS] = sum(counts.values())
        on_call_user = on_call_now
        topics_open = any(s.open_since for t, s in states.items() if t != ALL_TOPICS)
        outbox: list[NewOutboxMessage] = []
        for topic in sorted(set(states) | set(counts), key=lambda t: (t == ALL_TOPICS, t)):
            # A topic first seen after the detector warmed up starts from zero, not from its own first count.
            before = states.get(topic, SpikeState(baseline=0.0) if states else SpikeState())
            count = counts.get(topic, 0)
            state, event = observe(before, count, now, rules)
            if topic == ALL_TOPICS and topics_open and event is SpikeEvent.OPENED:
                continue  # a topic's own alert already explains the total: it stays as it was, and is asked again
            if state != before:
                uow.team.set_spike_state(topic, state)
            if event is None:
                continue
            incident = (state if event is not SpikeEvent.CLEARED else before).incident(topic) or ""
            topics_open = topics_open or (topic != ALL_TOPICS and event is SpikeEvent.OPENED)
            shown = replace(state, peak=max(state.peak, before.peak))
            text = _text(uow, topic, shown, count, event, since, rules)
            answer = f"spike:{topic}" if event is not SpikeEvent.CLEARED else None  # a lead may answer them at once
            said = Announcement(text=text, alert=incident, acknowledge_all=answer)
            outbox.append(NewOutboxMessage(said, f"chat.announce:{incident}:{event}:{shown.peak}", None))
            if event is not SpikeEvent.GROWING:
                action = "trigger" if event is SpikeEvent.OPENED else "resolve"
                page = Page(action=action, alert=incident, summary=text, user=on_call_user)
                outbox.append(NewOutboxMessage(page, Page.key(incident, action, ""), None))
            uow.audit.record(
                AuditEvent(
                    None,
                    SYSTEM,
                    f"spike:{event}",
                    None,
                    None,
                    now,
                    {"topic": topic, "count": count, "incident": incident},
                )
            )
            events.append((topic, event))
        send(uow, outbox)
        uow.commit()
    return events
