"""Squeaky's Home tab: a small dashboard for the care team (today, the queue, who holds what), with the chart for
team leads. Published with views.publish whenever someone opens the tab."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import period_chart
from bot.outages import OUTAGES, describe_outage
from bot.slack import action_ids
from bot.slack.answers import duration, mention, share, text, waited, waiting_lines
from bot.slack.links import WorkspaceLinks
from bot.slack.parts import slack_of
from bot.slack.refs import SURFACE
from bot.wiring import Services
from handlers.domain.complaint import Role
from handlers.domain.people import Identity
from handlers.team.command_answers import Dashboard, LeadDesk
from handlers.team.csat_lines import csat_figures
from handlers.team.stats import parse_period

log = logging.getLogger(__name__)
CHART_MINUTES = 5  # how long one drawing of the Home tab's chart is shown before it is drawn again


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:3000]}}


def _button(text_: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text_[:75]},
        "value": value[:2000],
    }
    return button | ({"style": "primary"} if primary else {})


def queue_blocks(dashboard: Dashboard, me: str | None) -> list[dict[str, Any]]:
    """Each queue with its waiting count and a "Take next" button; the viewer's availability and its toggle."""
    blocks: list[dict[str, Any]] = []
    for line in dashboard.queues:
        storm = " · :thunder_cloud_and_rain: storm mode" if line.storm else ""
        assigns = " · assigns" if line.assigns else ""
        block = _section(f"*{text(line.title, 80)}* (`{line.name}`): {line.waiting:,} waiting{storm}{assigns}")
        if line.waiting:
            block["accessory"] = _button("Take next", action_ids.TAKE_NEXT, line.name, primary=True)
        blocks.append(block)
    if me is not None and any(line.assigns for line in dashboard.queues):
        available = me in dashboard.available
        said = "You're *available*: Squeaky hands you complaints." if available else "You're *away* from assignments."
        block = _section(said)
        block["accessory"] = _button("Go away" if available else "I'm available", action_ids.PRESENCE,
                                     "away" if available else "back")  # fmt: skip
        blocks.append(block)
    return blocks


def home_view(
    dashboard: Dashboard, links: dict[int, str], services: Services, chart_file: str | None, me: str | None = None
) -> dict[str, Any]:
    """The Home tab's view (`me`: the viewer, as a person key, for their availability)."""
    now = services.clock.now()
    today = dashboard.today
    total = today.total
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Squeaky: the care team today"}},
        _section(
            f"*Received* {total.received:,} · *claimed* {total.claimed:,} ({share(total.claimed, total.received)}) · "
            f"*acknowledged* {total.acknowledged:,} · *ticketed* {total.ticketed:,}\n"
            f"*Time to acknowledge* p50 {duration(total.to_ack.p50)}, p90 {duration(total.to_ack.p90)}"
        ),
    ]
    oldest = f", the oldest for {waited(today.oldest_waiting, now)}" if today.oldest_waiting else ""
    queue = f"*Waiting for an owner*: {today.backlog:,}{oldest}"
    if dashboard.waiting:
        queue += "\n" + waiting_lines(dashboard.waiting, links, now)
    blocks.append(_section(queue))
    week = dashboard.week_csat
    if week is not None and week.asked:
        blocks.append(_section(f"*Satisfaction this week*: {csat_figures(week)} (asked privately when a case closed)"))
    blocks += queue_blocks(dashboard, me)
    held = " · ".join(f"{text(name, 60)} {count}" for name, count in dashboard.holders) or "nobody holds a complaint"
    blocks.append(_section(f"*Who holds what*: {held}"))
    on_call = (
        mention(dashboard.on_call) if dashboard.on_call else "nobody (a lead can run `/squeaky oncall set @someone`)"
    )
    blocks.append(_section(f"*On call*: {on_call}"))
    if chart_file:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file},
                "alt_text": "Complaints and time to acknowledge, last 24 h",
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Type `/squeaky help` for stats, the backlog and settings."}],
        }
    )
    return {"type": "home", "blocks": blocks}


def outsider_view() -> dict[str, Any]:
    """What someone outside the care team sees."""
    return {"type": "home", "blocks": [_section("Squeaky is for the care team. Ask a team lead to add you to it.")]}


class HomeChart:
    """The leads' 24-hour chart, drawn and uploaded once per CHART_MINUTES and shared by every Home tab opened then."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = threading.Lock()
        self._uploaded: tuple[datetime, str] | None = None  # (when it was drawn, the Slack file id)

    def file_id(self, client: WebClient) -> str | None:
        """The chart's file for now: the one drawn in the last CHART_MINUTES, or a new one."""
        now = self._services.clock.now()
        with self._lock:  # one drawing at a time, however many leads open the tab at once
            if self._uploaded is not None and now - self._uploaded[0] < timedelta(minutes=CHART_MINUTES):
                return self._uploaded[1]
            zone = self._services.settings.team_timezone
            png = period_chart(self._services.uow_factory, parse_period("24h", now, zone), zone)
            uploaded = client.files_upload_v2(file=png, filename="squeaky-home.png", title="The last 24 hours")
            file_id = str((uploaded.get("file") or {}).get("id") or "") or None
            if file_id:
                self._uploaded = (now, file_id)
            return file_id


def publish_home(
    services: Services, desk: LeadDesk, links: WorkspaceLinks, client: WebClient, user_id: str, chart: HomeChart
) -> None:
    """Publish the Home tab for one person (the chart only for leads, drawn at most once per CHART_MINUTES)."""
    roles = slack_of(services).team.roles_of(user_id)
    try:
        if Role.AGENT not in roles:
            client.views_publish(user_id=user_id, view=outsider_view())
            return
        dashboard = desk.dashboard()
        chart_file = None
        if Role.LEAD in roles:
            chart_file = chart.file_id(client)
        found = {w.complaint_id: links.link(c) for w in dashboard.waiting for c in w.cards if c.surface == SURFACE}
        me = services.who.actor(Identity(SURFACE, user_id), roles).id
        view = home_view(dashboard, {k: v for k, v in found.items() if v}, services, chart_file, me)
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("the Home tab could not be published: %s", exc.response.get("error"))
    except OUTAGES as exc:
        log.warning("the Home tab could not be built: %s", describe_outage(exc))
