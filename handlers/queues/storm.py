"""Storm mode: when a queue's waiting complaints would take its channel longer to post, one card at a time, than a
good share of their service level, the queue stops posting a card per complaint. One live summary takes their place
(waiting by tier and topic, the oldest wait, the most urgent examples, an open spike, a "Take next" button), updated
in place. VIP cards are still posted at once; the others are held, and a held card is posted when its complaint is
taken. Once the queue has been calm for a while (hysteresis), the held cards are released, and the summary says the
storm is over, once.

The watch runs in the worker under a lock; its state lives in the team settings, so a restart or another worker
carries a storm on. Intake reads which queues are in a storm, so their new cards are held from the start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.dispatch.fan_out import send
from handlers.domain.card import STANDARD_TIER
from handlers.domain.complaint import SYSTEM, AuditEvent
from handlers.domain.outbox_kinds import URGENT_RANK, Announcement
from handlers.domain.queue import Queue, QueuePolicy
from handlers.domain.queue_rules import rules_of
from handlers.domain.spikes import ALL_TOPICS
from handlers.domain.storm import QueueWaiting, Storm
from handlers.intake.surges import cluster_line
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from handlers.text.figures import waited

EXAMPLES = 3
TOPICS = 4


@dataclass(frozen=True)
class StormRules:
    """When a queue enters and leaves storm mode."""

    cards_per_second: float = 1.0  # a channel's posting pace (Slack: about one message a second)
    enter_share: float = 0.5  # enter when posting the waiting cards would take more than this share of the level
    leave_share: float = 0.2  # ... and leave once it would take less than this share,
    calm_for: timedelta = timedelta(minutes=2)  # ... for this long
    at_least: int = 20  # never a storm over fewer waiting than this
    update_every: timedelta = timedelta(seconds=15)  # the summary follows the queue, but no faster than this

    def seconds_to_post(self, waiting: int) -> float:
        """How long the channel takes to post `waiting` cards, one after another."""
        return waiting / self.cards_per_second


def _plural(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def summary(queue: Queue, waiting: QueueWaiting, examples: Sequence[tuple[int, str, str, str]],
            spikes: Sequence[tuple[str, int]], now: datetime, cluster: str | None = None) -> str:  # fmt: skip
    """The storm summary's words (`cluster`: the line naming the similar complaints that started it)."""
    tiers = " · ".join(f"{tier} {n:,}" for tier, n in sorted(waiting.by_tier.items(), key=lambda t: (-t[1], t[0])))
    topics = sorted(waiting.by_topic.items(), key=lambda t: (-t[1], t[0]))[:TOPICS]
    oldest = f", the oldest for {waited(waiting.oldest, now)}" if waiting.oldest else ""
    lines = [
        f"Storm mode on {queue.title}: {_plural(waiting.total, 'complaint')} waiting for an owner ({tiers}){oldest}.",
        "By topic: " + " · ".join(f"{topic} {n:,}" for topic, n in topics) + ".",
    ]
    if cluster:
        lines.insert(1, cluster + " Acknowledging the incident answers exactly these.")
    lines += [f"Spike: {_plural(peak, 'complaint')} about “{topic}” in the spike window." for topic, peak in spikes]
    lines += [f"#{cid} {tier.upper()} @{handle}: “{text[:120]}”" for cid, tier, handle, text in examples]
    lines.append(
        "New cards here are held, and posted when taken; VIP cards still come at once. "
        f"Take the next one with the button or `/squeaky next {queue.name}`."
    )
    return "\n".join(lines)


def _over(queue: Queue, storm: Storm, waiting: QueueWaiting) -> str:
    return (
        f"Storm over on {queue.title}: {_plural(waiting.total, 'complaint')} waiting now ({storm.peak:,} at most). "
        "Cards are posted one by one again."
    )


def check_storms(
    uow_factory: UnitOfWorkFactory, clock: Clock, queues: QueuePolicy, rules: StormRules
) -> list[tuple[str, str]]:
    """Enter, update or leave storm mode for each queue; return (queue, what happened) for each change."""
    now = clock.now()
    done: list[tuple[str, str]] = []
    with uow_factory() as uow:
        levels = rules_of(queues, uow.team.sla_policies(), uow.team.queue_overrides())
        open_spikes = {t: s.peak for t, s in uow.team.spike_states().items() if s.open_since and t != ALL_TOPICS}
    for queue in queues.all():
        with uow_factory() as uow:
            waiting = uow.stats.queue_waiting(queue.name)
            level = levels[queue.name].policy(STANDARD_TIER).claim_within.total_seconds()
            behind = rules.seconds_to_post(waiting.by_tier.get(STANDARD_TIER, 0))
            storm = uow.team.storms().get(queue.name)  # read now: intake may have started one since the last pass
            if storm is None:
                many = waiting.by_tier.get(STANDARD_TIER, 0) >= rules.at_least
                if many and behind > level * rules.enter_share:
                    storm = Storm(now)
                    if not uow.team.start_storm(queue.name, storm):
                        continue  # a surge of similar complaints started one this very moment: the next pass
                    held = uow.outbox.hold_cards(queue.name)
                    done.append((queue.name, f"entered ({held:,} cards held)"))
                else:
                    continue
            else:
                uow.outbox.hold_cards(queue.name)  # cards queued before intake saw the storm
                calm = behind < level * rules.leave_share and _cluster_calm(uow, queue.name, storm, now, rules)
                storm = replace(storm, calm_since=(storm.calm_since or now) if calm else None)
                if storm.calm_since is not None and now - storm.calm_since >= rules.calm_for:
                    released = uow.outbox.release_held(now, queue=queue.name)
                    _say(uow, queue, storm, _over(queue, storm, waiting), take_next=False)
                    uow.team.set_storm(queue.name, None)
                    _audit(uow, queue.name, "storm:left", now, {"released": released, "peak": storm.peak})
                    uow.commit()
                    done.append((queue.name, f"left ({released:,} cards released)"))
                    continue
            storm = replace(storm, peak=max(storm.peak, waiting.total))
            examples = [
                (w.complaint_id, w.tier, w.author_handle, w.text) for w in uow.stats.waiting(EXAMPLES, queue.name)
            ]
            spikes = [(topic, peak) for topic, peak in sorted(open_spikes.items()) if topic in waiting.by_topic]
            named = (
                cluster_line(uow.surges.of(queue.name, storm.cluster), storm.cluster_title) if storm.cluster else None
            )
            text = summary(queue, waiting, examples, spikes, now, named)
            due = storm.said_at is None or now - storm.said_at >= rules.update_every
            if due and text != storm.said:
                _say(uow, queue, storm, text, take_next=True)
                storm = replace(storm, said=text, said_at=now, updates=storm.updates + 1)
            if storm.updates == 1 and storm.said_at == now:
                _audit(uow, queue.name, "storm:entered", now, {"waiting": waiting.total})
            uow.team.set_storm(queue.name, storm)
            uow.commit()
    return done


def _cluster_calm(uow: UnitOfWork, queue: str, storm: Storm, now: datetime, rules: StormRules) -> bool:
    """A storm of similar complaints calms once no more have come for a while and few of them still wait."""
    if storm.cluster is None:
        return True
    run = uow.surges.of(queue, storm.cluster)
    quiet = run is None or now - run.last_at >= rules.calm_for
    return quiet and uow.surges.waiting_in(queue, storm.cluster_keys or f" {storm.cluster} ") < rules.at_least


def _say(uow: UnitOfWork, queue: Queue, storm: Storm, text: str, *, take_next: bool) -> None:
    """Post the queue's summary, or update it in place."""
    said = Announcement(
        text=text,
        alert=f"{storm.alert}-{queue.name}",
        channels=dict(queue.channels),
        take_next=queue.name if take_next else None,
        acknowledge_all=f"storm:{queue.name}" if take_next else None,
    )
    key = f"chat.announce:{storm.alert}-{queue.name}:{storm.updates if take_next else 'over'}"
    send(uow, [NewOutboxMessage(said, key, None, URGENT_RANK)])


def _audit(uow: UnitOfWork, queue: str, what: str, now: datetime, detail: dict[str, object]) -> None:
    uow.audit.record(AuditEvent(None, SYSTEM, what, None, None, now, {"queue": queue, **detail}))
