"""Activities as Microsoft Teams sends them to a bot: a button's `adaptiveCard/action` invoke, a dialog's `task/fetch`
and `task/submit`, a message mentioning the bot, the app added to a team; each POSTed with a token the local issuer
signs, as Teams would. Tests and the sandbox page use these to act as a person in Teams."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import requests

from sandbox.teams_api import LocalTeams

CHANNEL = "19:care-channel@thread.tacv2"
TEAM = "19:care-team@thread.tacv2"
_ids = itertools.count(1)


@dataclass(frozen=True)
class TeamsPerson:
    """Someone in Teams: their Teams user id, name and Microsoft Entra object id."""

    user_id: str
    name: str
    aad_object_id: str

    @classmethod
    def named(cls, name: str) -> TeamsPerson:
        """A person with ids made from their name."""
        key = name.lower().replace(" ", "-")
        return cls(f"29:1{key}", name, f"aad-{key}")

    def account(self) -> dict[str, str]:
        """As Teams writes a sender."""
        return {"id": self.user_id, "name": self.name, "aadObjectId": self.aad_object_id}


class TeamsClient:
    """Teams' side of the conversation with the bot at `endpoint`: builds activities and POSTs them signed."""

    def __init__(
        self, teams: LocalTeams, endpoint: str, channel: str = CHANNEL, team: str = TEAM, tenant: str | None = None
    ) -> None:
        self.teams = teams
        self.endpoint = endpoint
        self.channel = channel
        self.team = team
        self.tenant = tenant or teams.tenant_id  # another tenant: someone elsewhere who installed the same bot

    def activity(
        self, person: TeamsPerson, kind: str, *, conversation: str | None = None, **more: Any
    ) -> dict[str, Any]:
        """An activity from `person` in the channel (or `conversation`), as Teams shapes it."""
        personal = conversation is not None and not conversation.startswith("19:")
        return {
            "type": kind,
            "id": f"f:{next(_ids)}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "channelId": "msteams",
            "serviceUrl": self.teams.service_url,
            "from": person.account(),
            "recipient": {"id": f"28:{self.teams.app_id}", "name": "Squeaky"},
            "conversation": {
                "id": conversation or self.channel,
                "conversationType": "personal" if personal else "channel",
                "tenantId": self.tenant,
                **({} if personal else {"isGroup": True}),
            },
            "channelData": {
                "tenant": {"id": self.tenant},
                **({} if personal else {"team": {"id": self.team}, "channel": {"id": self.channel}}),
            },
            **more,
        }

    def post(self, activity: dict[str, Any], token: str | None = None, **claims: Any) -> requests.Response:
        """POST `activity` to the bot with a token Teams would send (or `token`, or one with `claims` changed)."""
        bearer = token if token is not None else self.teams.mint(**claims)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return requests.post(self.endpoint, json=activity, headers=headers, timeout=30)

    def click(self, person: TeamsPerson, card_id: str, verb: str, data: dict[str, Any]) -> requests.Response:
        """Click an `Action.Execute` button on the card posted as `card_id`."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        conversation = f"{self.channel};messageid={card_id}"
        activity = self.activity(
            person, "invoke", conversation=conversation, name="adaptiveCard/action", value=value, replyToId=card_id
        )
        return self.post(activity)

    def open_dialog(self, person: TeamsPerson, card_id: str, data: dict[str, Any]) -> requests.Response:
        """Click a button that opens a dialog (`task/fetch`)."""
        return self._task(person, card_id, "task/fetch", data)

    def submit_dialog(self, person: TeamsPerson, card_id: str, data: dict[str, Any]) -> requests.Response:
        """Submit a dialog: the submit button's data merged with the inputs' values (`task/submit`)."""
        return self._task(person, card_id, "task/submit", data)

    def _task(self, person: TeamsPerson, card_id: str, name: str, data: dict[str, Any]) -> requests.Response:
        value = {"data": data, "context": {"theme": "default"}}
        conversation = f"{self.channel};messageid={card_id}"
        return self.post(
            self.activity(person, "invoke", conversation=conversation, name=name, value=value, replyToId=card_id)
        )

    def say(
        self, person: TeamsPerson, words: str, *, personal: bool = False, mentions: tuple[TeamsPerson, ...] = ()
    ) -> requests.Response:
        """A message to the bot: `@Squeaky words` in the channel, or `words` in the 1:1 chat; `mentions` are people
        named in `words` as `@Name`."""
        entities: list[dict[str, Any]] = []
        text = words
        for other in mentions:
            tag = f"<at>{other.name}</at>"
            text = text.replace(f"@{other.name}", tag)
            entities.append({"type": "mention", "text": tag, "mentioned": {"id": other.user_id, "name": other.name}})
        if not personal:
            tag = "<at>Squeaky</at>"
            text = f"{tag} {text}"
            entities.append(
                {"type": "mention", "text": tag, "mentioned": {"id": f"28:{self.teams.app_id}", "name": "Squeaky"}}
            )
        conversation = f"a:1:{person.user_id}" if personal else None
        return self.post(
            self.activity(
                person, "message", conversation=conversation, text=text, textFormat="plain", entities=entities
            )
        )

    def install(self, person: TeamsPerson) -> requests.Response:
        """The app added to the team: Teams tells the bot which channel and address."""
        added = {"id": f"28:{self.teams.app_id}"}
        return self.post(
            self.activity(
                person,
                "conversationUpdate",
                membersAdded=[added],
                channelData={
                    "tenant": {"id": self.tenant},
                    "team": {"id": self.team},
                    "eventType": "teamMemberAdded",
                },
            )
        )
