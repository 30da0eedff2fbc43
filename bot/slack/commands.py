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
from bot.slack import action_ids
from bot.slack.answers import answer_message
from bot.slack.budget import AnswerBudget
from bot.slack.home import HomeChart, publish_home
from bot.slack.links import WorkspaceLinks
from bot.slack.parts import slack_of
from bot.slack.refs import SURFACE
from bot.wiring import Services
from handlers.domain.people import Identity
from handlers.team.answers.desk import Answer

log = logging.getLogger(__name__)

COMMAND = "/squeaky"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_BARE_USER = re.compile(r"(?<![\w<])@([UW][A-Z0-9]{2,})\b")


def words_of(text: str) -> tuple[str, dict[str, Identity]]:
    """The command's words, with escaped mentions (<@U123|maria>) turned into @U123; and the Slack users mentioned,
    by the word that stands for each."""
    mentions: dict[str, Identity] = {}

    def mention(found: re.Match[str]) -> str:
        user_id = found[1]
        mentions[user_id] = Identity(SURFACE, user_id, found[2] or "")
        return f"@{user_id}"

    words = _MENTION.sub(mention, text or "")
    for user_id in _BARE_USER.findall(words):
        mentions.setdefault(user_id, Identity(SURFACE, user_id))
    return words, mentions


def register(app: App, services: Services) -> None:
    """Attach /squeaky and the Home tab to `app`."""
    desk = services.lead_desk
    links = WorkspaceLinks(app.client)
    budget = AnswerBudget(workers=4)
    home_chart = HomeChart(services)

    def answer(user_id: str, user_name: str, text: str) -> tuple[Answer, dict[str, Any]]:
        words, mentions = words_of(text)
        try:
            actor = services.who.actor(Identity(SURFACE, user_id, user_name), slack_of(services).team.roles_of(user_id))
            result = desk.run(actor, words, mentions)
        except OUTAGES as exc:
            log.warning("/squeaky could not answer: %s", describe_outage(exc))
            result = Answer("Sorry: Squeaky cannot reach its database just now. Try again in a minute.", refused=True)
        found = {w.complaint_id: links.link(c) for w in result.waiting for c in w.cards if c.surface == SURFACE}
        message = answer_message(result, {k: v for k, v in found.items() if v}, services.clock.now())
        return result, message

    def on_command(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            ack(response_type="ephemeral", text="Sorry: that command carried no user.")
            return
        name, words = str(body.get("user_name") or user_id), str(body.get("text") or "")
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
        if result.export is not None and not result.refused:
            send_export(client, respond, result, user_id)

    def send_chart(client: WebClient, respond: Respond, result: Answer, user_id: str, channel: str) -> None:
        assert result.chart is not None
        try:
            png = period_chart(services.uow_factory, result.chart, services.settings.team_timezone, result.queue)
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

    def send_export(client: WebClient, respond: Respond, result: Answer, user_id: str) -> None:
        """Upload the CSV a lead asked for into their direct messages with Squeaky (never into a channel)."""
        assert result.export is not None
        try:
            data, count = desk.export_file(result.export)
            target = client.conversations_open(users=user_id)["channel"]["id"]
            client.files_upload_v2(
                channel=target,
                content=data.decode(),
                filename=result.export.filename,
                title=result.export.filename,
                initial_comment=f"{result.title}: {count:,} case(s), one row each.",
            )
        except SlackApiError as exc:
            log.warning("the export could not be uploaded: %s", exc.response.get("error"))
            respond(response_type="ephemeral", text=f"The export could not be posted ({exc.response.get('error')}).")
        except OUTAGES as exc:
            log.warning("the export could not be read: %s", describe_outage(exc))
            respond(response_type="ephemeral", text="Sorry: Squeaky cannot reach its database just now.")

    def on_take_next(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """A queue summary's (or the Home tab's) "Take next": the next complaint there, claimed for the presser, who
        alone is told which (with its card's link once it is out): next to the summary, or from the Home tab in
        their direct messages with Squeaky."""
        ack()
        user = body.get("user") or {}
        user_id, queue = user.get("id"), str(action.get("value") or "")
        if not isinstance(user_id, str) or not user_id or not queue:
            return
        _, message = answer(user_id, str(user.get("username") or user.get("name") or user_id), f"next {queue}")
        try:
            if body.get("response_url"):
                respond(**{**message, "response_type": "ephemeral", "replace_original": False})
            else:
                dm = client.conversations_open(users=user_id)["channel"]["id"]
                client.chat_postMessage(channel=dm, text=message["text"], blocks=message.get("blocks"))
                publish_home(services, desk, links, client, user_id, home_chart)
        except SlackApiError as exc:
            log.warning("could not tell who took the next complaint: %s", exc.response.get("error"))

    def on_presence(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """The Home tab's toggle: available for push assignment, or away; the tab is drawn again to show it."""
        ack()
        user = body.get("user") or {}
        user_id, said = user.get("id"), str(action.get("value") or "")
        if isinstance(user_id, str) and user_id and said in ("back", "away"):
            answer(user_id, str(user.get("username") or user.get("name") or user_id), said)
            publish_home(services, desk, links, client, user_id, home_chart)

    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        user_id = event.get("user")
        if isinstance(user_id, str) and event.get("tab", "home") == "home":
            publish_home(services, desk, links, client, user_id, home_chart)

    app.command(COMMAND)(on_command)
    app.action(action_ids.TAKE_NEXT)(on_take_next)
    app.action(action_ids.PRESENCE)(on_presence)
    app.event("app_home_opened")(on_home_opened)
