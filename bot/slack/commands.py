"""The /squeaky slash command and the Home tab: thin listeners over handlers.team.command_answers.

The answer is usually ready well inside Slack's 3 seconds, so it goes back as the ack itself
(ephemeral, or in the channel with `public`). If it is not ready within the answer budget
(bot.slack.budget: a slow database, or Slack slow to say who leads) the ack says so and the
answer follows through the response_url. Charts are drawn after the ack and uploaded as
images (files upload v2): into the channel when public, else into the asker's direct
messages with Squeaky.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import period_chart
from bot.outages import OUTAGES, describe_outage
from bot.slack.answers import answer_message
from bot.slack.budget import AnswerBudget
from bot.slack.home import HomeChart, publish_home
from bot.slack.links import WorkspaceLinks
from bot.wiring import Services
from handlers.cases.model import Actor
from handlers.team.command_answers import Answer, LeadDesk

log = logging.getLogger(__name__)

COMMAND = "/squeaky"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def words_of(text: str) -> str:
    """The command's words, with escaped mentions (<@U123|maria>) turned into @U123."""
    return _MENTION.sub(r"@\1", text or "")


def desk_for(services: Services) -> LeadDesk:
    """The team command's desk, from the settings."""
    s = services.settings
    return LeadDesk(
        services.uow_factory,
        services.clock,
        timezone=s.team_timezone,
        fallback_on_call=s.oncall_user,
        handoff_hour=s.oncall_handoff_hour,
        tiers=set(services.triage.priority.tier_points),
    )


def register(app: App, services: Services) -> None:
    """Attach /squeaky and the Home tab to `app`."""
    desk = desk_for(services)
    links = WorkspaceLinks(app.client)
    budget = AnswerBudget(workers=4)
    home_chart = HomeChart(services)

    def answer(user_id: str, user_name: str, words: str) -> tuple[Answer, dict[str, Any]]:
        actor = Actor(user_id, user_name, "slack", services.team.roles_of(user_id))
        try:
            result = desk.run(actor, words)
        except OUTAGES as exc:
            log.warning("/squeaky could not answer: %s", describe_outage(exc))
            result = Answer("Sorry: Squeaky cannot reach its database just now. Try again in a minute.", refused=True)
        found = {w.complaint_id: links.link(w.card) for w in result.waiting if w.card is not None}
        message = answer_message(result, {k: v for k, v in found.items() if v}, services.clock.now())
        return result, message

    def on_command(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            ack(response_type="ephemeral", text="Sorry: that command carried no user.")
            return
        name, words = str(body.get("user_name") or user_id), words_of(str(body.get("text") or ""))
        future = budget.start(lambda: answer(user_id, name, words))
        if future.done():
            result, message = future.result()
            ack(**message)
        else:
            ack(response_type="ephemeral", text="Working on it: the answer follows in a moment.")
            result, message = future.result()
            respond(**message)
        if result.chart is not None and not result.refused:
            send_chart(client, respond, result, user_id, str(body.get("channel_id") or ""))

    def send_chart(client: WebClient, respond: Respond, result: Answer, user_id: str, channel: str) -> None:
        assert result.chart is not None
        try:
            png = period_chart(services.uow_factory, result.chart, services.settings.team_timezone)
            target = channel if result.public and channel else client.conversations_open(users=user_id)["channel"]["id"]
            client.files_upload_v2(
                channel=target,
                file=png,
                filename="squeaky-stats.png",
                title=result.title,
                initial_comment=f"{result.title}: complaints received and median time to acknowledge.",
            )
        except SlackApiError as exc:
            log.warning("the stats chart could not be uploaded: %s", exc.response.get("error"))
            respond(response_type="ephemeral", text=f"The chart could not be posted ({exc.response.get('error')}).")
        except OUTAGES as exc:
            log.warning("the stats chart could not be drawn: %s", describe_outage(exc))

    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        user_id = event.get("user")
        if isinstance(user_id, str) and event.get("tab", "home") == "home":
            publish_home(services, desk, links, client, user_id, home_chart)

    app.command(COMMAND)(on_command)
    app.event("app_home_opened")(on_home_opened)
