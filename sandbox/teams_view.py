"""The sandbox page's Teams side: what the local Teams holds for whoever you are (the channel's Adaptive Cards with
their threads, your personal chat with Squeaky, a dialog you opened, the cards Squeaky answered your clicks with),
and what you do there sent to Squeaky's /api/messages exactly as Teams sends it, signed by the local issuer."""

from __future__ import annotations

import threading
import time
from typing import Any

from sandbox.teams_activities import CHANNEL, TeamsClient, TeamsPerson
from sandbox.teams_api import LocalTeams


def _card(activity: dict[str, Any]) -> dict[str, Any] | None:
    attachments = activity.get("attachments") or []
    return attachments[0].get("content") if attachments else None


class TeamsView:
    """Acts as people in Teams and keeps what Teams would show each of them alone."""

    def __init__(self, teams: LocalTeams, endpoint: str, names: dict[str, str]) -> None:
        self.teams = teams
        self.client = TeamsClient(teams, endpoint)
        self.people = {user: TeamsPerson.named(name) for user, name in names.items()}  # by the sandbox's person id
        self._lock = threading.Lock()
        self._private: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}  # (user, card) -> answered card, when
        self._dialogs: dict[str, dict[str, Any]] = {}
        self._notes: dict[str, list[str]] = {}

    def state(self, user: str) -> dict[str, Any]:
        """What Teams shows `user`."""
        person = self.people[user]
        posts = []
        for activity in self.teams.posts(CHANNEL):
            card = _card(activity)
            with self._lock:
                answered = self._private.get((user, str(activity["id"])))
            # the card Squeaky answered a click with is that person's until the next update, which is everyone's
            mine = (
                answered[0] if answered and answered[1] > self.teams.updated_at(CHANNEL, str(activity["id"])) else None
            )
            replies = [_card(r) or {"text": r.get("text")} for r in self.teams.thread(CHANNEL, str(activity["id"]))]
            posts.append({"id": activity["id"], "card": mine or card, "private": mine is not None, "replies": replies})
        chat = [_card(a) or {"text": a.get("text")} for a in self.teams.chats_with(person.user_id)]
        chat += [_card(a) or {"text": a.get("text")} for a in self.teams.posts(f"a:1:{person.user_id}")]
        with self._lock:
            return {
                "posts": posts,
                "chat": chat,
                "dialog": self._dialogs.get(user),
                "notes": self._notes.get(user, [])[-3:],
                "people": {u: p.name for u, p in self.people.items()},
            }

    def click(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """An `Action.Execute` button: Squeaky's answer replaces the card for `user` alone."""
        card_id = str(body.get("card"))
        answer = self.client.click(self.people[user], card_id, str(body.get("verb")), dict(body.get("data") or {}))
        reply = answer.json() if answer.text else {}
        if answer.status_code == 200 and reply.get("type") == "application/vnd.microsoft.card.adaptive":
            with self._lock:
                self._private[(user, card_id)] = (reply["value"], time.time())
        return {"status": answer.status_code}

    def open_dialog(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """A button that opens a dialog (`task/fetch`)."""
        card_id = str(body.get("card"))
        answer = self.client.open_dialog(self.people[user], card_id, dict(body.get("data") or {}))
        self._take(user, card_id, answer.json() if answer.text else {})
        return {"status": answer.status_code}

    def submit_dialog(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """A dialog's button, with what was typed (`task/submit`): the dialog again, or it closes with a note."""
        with self._lock:
            dialog = self._dialogs.get(user)
        if dialog is None:
            return {"status": 404}
        answer = self.client.submit_dialog(self.people[user], dialog["card_id"], dict(body.get("data") or {}))
        self._take(user, dialog["card_id"], answer.json() if answer.text else {})
        return {"status": answer.status_code}

    def close_dialog(self, user: str) -> dict[str, Any]:
        """Close a dialog without submitting it."""
        with self._lock:
            self._dialogs.pop(user, None)
        return {"status": 200}

    def _take(self, user: str, card_id: str, answer: dict[str, Any]) -> None:
        task = answer.get("task") or {}
        with self._lock:
            if task.get("type") == "continue":
                value = task.get("value") or {}
                card = (value.get("card") or {}).get("content")
                self._dialogs[user] = {"card_id": card_id, "title": value.get("title") or "", "card": card}
            else:
                self._dialogs.pop(user, None)
                if task.get("type") == "message":
                    self._notes.setdefault(user, []).append(str(task.get("value")))

    def say(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """A message to Squeaky: in the channel it mentions the bot; people named @name are mentioned too."""
        text = str(body.get("text") or "").strip()
        personal = bool(body.get("personal"))
        if not personal:
            text = text.removeprefix("@Squeaky").strip()
        mentioned = tuple(p for p in self.people.values() if f"@{p.name}" in text)
        answer = self.client.say(self.people[user], text, personal=personal, mentions=mentioned)
        return {"status": answer.status_code}
