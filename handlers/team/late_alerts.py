"""Service levels in a storm: what is past its level is told per queue and ladder step, never per complaint. One page
to on-call when a queue first has complaints unclaimed past their level, one call on the leads in the queue's channel
when they are still unclaimed later, that message then updated as the count moves (at most once a minute), and both
closed once every one of them has an owner. Each queue's alert is remembered in the team settings, so a restart or
another worker carries it on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import SYSTEM, AuditEvent
from handlers.domain.late import LateAlert, LateQueue
from handlers.domain.outbox_kinds import Announcement, Page
from handlers.domain.queue import QueuePolicy
from handlers.domain.sla import Stage
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork

UPDATE_EVERY = timedelta(minutes=1)  # the leads' message follows the count, but no faster than this
LAST = -1e15  # "caught up" is news, not urgent: it goes after whatever else waits for the channel


def alert_key(queue: str, episode: str) -> str:
    """The pager's and the channel's key for one queue's alert."""
    return f"squeaky-late-{queue}-{episode}"


def _minutes(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))


def _plural(n: int) -> str:
    return f"{n:,} complaint{'s' if n != 1 else ''}"


def _late_text(title: str, name: str, late: LateQueue, now: datetime) -> str:
    return (
        f"{_plural(late.paged)} past their service level on {title}, the oldest waiting "
        f"{_minutes(late.oldest, now)} min; on-call was paged. Can someone take them? `/squeaky next {name}`"
    )


def raise_late_alerts(
    uow: UnitOfWork, queues: QueuePolicy, on_call: Mapping[str, str | None], now: datetime
) -> list[tuple[str, str]]:
    """Open, update or close each queue's alert from the late counts, paging whoever is on call for that queue
    (`on_call`, by queue); enqueue what to send. Return (queue, what was done)."""
    late = uow.complaints.late_by_queue(int(Stage.ON_CALL), int(Stage.LEADS))
    alerts = uow.team.late_alerts()
    done: list[tuple[str, str]] = []
    outbox: list[NewOutboxMessage] = []
    for name in sorted(set(late) | set(alerts)):
        queue = queues.named(name) or queues.default  # a queue no longer in the policy counts as the default
        title, channels, group = queue.title, dict(queue.channels), {k: tuple(v) for k, v in queue.leads.items()}
        on_call_user = on_call.get(queue.name)
        now_late, alert = late.get(name), alerts.get(name)
        if now_late is None:
            if alert is not None:  # every complaint past its level has an owner now
                key = alert_key(name, alert.episode)
                resolve = Page(action="resolve", alert=key)
                outbox.append(NewOutboxMessage(resolve, Page.key(key, "resolve", ""), None))
                if alert.called:
                    text = (
                        f"Caught up on {title}: every complaint that was past its level has an owner "
                        f"({alert.most:,} at most)."
                    )
                    said = Announcement(text=text, alert=key, channels=channels)
                    outbox.append(NewOutboxMessage(said, f"chat.announce:{key}:caught-up", None, LAST))
                uow.team.set_late_alert(name, None)
                done.append((name, "caught up"))
            continue
        if alert is None:
            alert = LateAlert(now.strftime("%Y%m%dT%H%M%S"))
            key = alert_key(name, alert.episode)
            waited = _minutes(now_late.oldest, now)
            summary = f"{_plural(now_late.paged)} past their service level on {title}, the oldest waiting {waited} min"
            page = Page(action="trigger", alert=key, summary=summary, user=on_call_user)
            outbox.append(NewOutboxMessage(page, Page.key(key, "trigger", ""), None))
            done.append((name, "paged"))
        key = alert_key(name, alert.episode)
        alert = replace(alert, most=max(alert.most, now_late.paged))
        if now_late.called or alert.called:
            text = _late_text(title, name, now_late, now)
            due = alert.said_at is None or now - alert.said_at >= UPDATE_EVERY
            if not alert.called or (due and text != alert.said):
                call = Announcement(text=text, alert=key, leads=True, channels=channels, group=group)
                message_key = f"chat.announce:{key}:{alert.updates}"
                outbox.append(NewOutboxMessage(call, message_key, None, now_late.rank))
                done.append((name, "called" if not alert.called else "updated"))
                alert = replace(alert, called=True, said=text, said_at=now, updates=alert.updates + 1)
        if alert != alerts.get(name):
            uow.team.set_late_alert(name, alert)
    for name, what in done:
        uow.audit.record(AuditEvent(None, SYSTEM, f"late:{what.replace(' ', '-')}", None, None, now, {"queue": name}))
    send(uow, outbox)
    return done
