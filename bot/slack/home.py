"""Squeaky's Home tab: a small dashboard for the care team (today, the queue, who holds what), with the chart for
team leads. Published with views.publish whenever someone opens the tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import period_chart
from bot.outages import OUTAGES, describe_outage
from bot.slack.answers import duration, mention, share, text, waited, waiting_lines
from bot.slack.links import WorkspaceLinks
from bot.wiring import Services
from handlers.lead_desk import Dashboard, LeadDesk
from handlers.model import Role
from handlers.stats import parse_period

log = logging.getLogger(__name__)


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:3000]}}


def home_view(
    dashboard: Dashboard, links: dict[int, str], services: Services, chart_file: str | None
) -> dict[str, Any]:
    """The Home tab's view."""
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


def publish_home(services: Services, desk: LeadDesk, links: WorkspaceLinks, client: WebClient, user_id: str) -> None:
    """Publish the Home tab for one person (the chart only for leads: drawing it costs a query and an upload)."""
    roles = services.team.roles_of(user_id)
    try:
        if Role.AGENT not in roles:
            client.views_publish(user_id=user_id, view=outsider_view())
            return
        dashboard = desk.dashboard()
        chart_file = None
        if Role.LEAD in roles:
            zone = services.settings.team_timezone
            png = period_chart(services.uow_factory, parse_period("24h", services.clock.now(), zone), zone)
            uploaded = client.files_upload_v2(file=png, filename="squeaky-home.png", title="The last 24 hours")
            chart_file = str((uploaded.get("file") or {}).get("id") or "") or None
        found = {w.complaint_id: links.link(w.card) for w in dashboard.waiting if w.card is not None}
        view = home_view(dashboard, {k: v for k, v in found.items() if v}, services, chart_file)
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("the Home tab could not be published: %s", exc.response.get("error"))
    except OUTAGES as exc:
        log.warning("the Home tab could not be built: %s", describe_outage(exc))
