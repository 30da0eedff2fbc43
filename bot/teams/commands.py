"""The leads' commands in Teams: `@Squeaky stats 7d` in a channel, or `stats 7d` in the 1:1 chat with the bot, answered
with a card in the same conversation. Mentions of people (`oncall set @Maria`) are read from the mention entities."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.chart_links import EXPORT_PATH, chart_link, signed_link
from bot.outages import OUTAGES, describe_outage
from bot.teams.answers import answer_card
from bot.teams.face import teams_of
from bot.teams.gateway import message
from bot.teams.refs import SURFACE
from bot.teams.senders import Sender, actor_of
from bot.teams.text import text_of
from bot.wiring import Services
from handlers.domain.people import Identity
from handlers.ports.gateways import DeliveryFailed
from handlers.team.answers.desk import Answer

log = logging.getLogger(__name__)
_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(r"<[^>]+>")


def words_of(text: str, entities: list[dict[str, Any]], bot_id: str) -> tuple[str, dict[str, Identity]]:
    """The command's words without the bot's own mention, each person mentioned as a word `@mN`, and who each is."""
    people: dict[str, str] = {}  # the mention's text -> the word standing for it
    mentions: dict[str, Identity] = {}
    for entity in entities:
        mentioned = entity.get("mentioned") or {}
        tag, user_id = str(entity.get("text") or ""), str(mentioned.get("id") or "")
        if entity.get("type") != "mention" or not tag or not user_id or tag in people:
            continue
        if user_id == bot_id or user_id.removeprefix("28:") == bot_id.removeprefix("28:"):
            people[tag] = ""
            continue
        word = f"m{len(mentions) + 1}"
        people[tag] = f"@{word}"
        mentions[word] = Identity(SURFACE, user_id, str(mentioned.get("name") or "")[:120])
    for tag, word in people.items():
        text = text.replace(tag, f" {word} ")
    text = _HTML.sub(" ", _TAG.sub(r"\1", text))  # a tag with no entity is just its words
    return " ".join(text_of(text).split()), mentions


def answer(services: Services, sender: Sender, text: str, entities: list[dict[str, Any]]) -> Answer:
    """The lead desk's answer to one message."""
    words, mentions = words_of(text, entities, teams_of(services).app_id)
    try:
        return services.lead_desk.run(actor_of(sender, services), words, mentions)
    except OUTAGES as exc:
        log.warning("a Teams command could not be answered: %s", describe_outage(exc))
        return Answer("Sorry: Squeaky cannot reach its database just now. Try again in a minute.", refused=True)


def reply(services: Services, sender: Sender, conversation: str, text: str, entities: list[dict[str, Any]]) -> None:
    """Answer a message to the bot with a card in the same conversation (a channel's thread, or the 1:1 chat)."""
    teams = teams_of(services)
    result = answer(services, sender, text, entities)
    settings, now = services.settings, services.clock.now()
    chart = download = None
    if not result.refused and settings.public_url and settings.link_secret:
        secret = settings.link_secret.get_secret_value()
        if result.chart is not None:
            chart = chart_link(settings.public_url, secret, result.chart, now, result.queue)
        if result.export is not None:
            asked = result.export
            download = signed_link(settings.public_url, EXPORT_PATH, secret, asked.period, now, asked.queue)
    card = answer_card(result, teams.gateway.permalink, now, chart, download)
    try:
        teams.connector.send_patiently(teams.place.service_url(), conversation, message(card))
    except DeliveryFailed as exc:
        log.error("the answer to a Teams command could not be sent: %s", exc.reason)
