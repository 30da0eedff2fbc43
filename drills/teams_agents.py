"""The drill's agents in Teams: each claims a card, replies publicly where X lets us, and opens a ticket through
signed invokes (`adaptiveCard/action`, `task/submit`) sent to whichever web process answers, as Teams sends them, and
keeps each click's answer. Teams answers an invoke in its own response: the card as it now stands, the dialog again,
or a notice; told to try again, the agent clicks again. Each takes a few seconds a step, as a person reads and types
(an invoke answered at once would otherwise let one Teams agent take every card before a Slack agent sees one)."""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import requests
from sqlalchemy import Engine, select

from drills.agents import AGAIN_AT_MOST, AGAIN_PAUSE, Click
from drills.traffic import QUIET_QUERY
from sandbox.teams_activities import CHANNEL, TeamsClient, TeamsPerson
from sandbox.teams_api import LocalTeams
from storage.sql.tables import complaints

THINK_SECONDS = 3.0  # between two steps of one agent


def card_complaint(activity: dict[str, Any]) -> int | None:
    """The complaint a Teams card's buttons name, or None for any other message."""
    for attachment in activity.get("attachments") or []:
        for action in (attachment.get("content") or {}).get("actions") or []:
            found = (action.get("data") or {}).get("complaint_id")
            if found is not None:
                return int(found)
    return None


def teams_cards(teams: LocalTeams) -> list[tuple[int, dict[str, Any]]]:
    """The cards in the Teams channel, oldest first, as (complaint id, activity)."""
    found = []
    for activity in teams.posts(CHANNEL):
        cid = card_complaint(activity)
        if cid is not None:
            found.append((cid, activity))
    return found


class TeamsAgent:
    """One care agent in Teams."""

    def __init__(self, n: int, teams: LocalTeams, endpoints: list[str], engine: Engine) -> None:
        self.engine = engine
        self.person = TeamsPerson.named(f"drill agent {n}")
        self.teams = teams
        turned = endpoints[n % len(endpoints) :] + endpoints[: n % len(endpoints)]
        self.clients = [TeamsClient(teams, url) for url in turned]
        self.claims: dict[int, str] = {}
        self.clicks: list[Click] = []
        self.random = random.Random(1000 + n)  # noqa: S311 - which free card to take, not a secret
        self.errors = 0

    def run(self, until: float, taken: set[int], guard: threading.Lock) -> None:
        """Work until `until`: claim a free card, open its ticket."""
        while time.time() < until:
            try:
                cid = self._claim(taken, guard)
                if cid is None:
                    time.sleep(0.5)
                    continue
                time.sleep(THINK_SECONDS)
                self._reply(cid)
                self._ticket(cid)
                time.sleep(THINK_SECONDS)
            except Exception:  # an agent shrugs and goes on; the tally counts what landed
                self.errors += 1
                time.sleep(0.5)

    def _send(self, act: Any) -> requests.Response:
        last: Exception | None = None
        for _round in range(20):
            for client in self.clients:
                try:
                    return act(client)  # type: ignore[no-any-return]
                except requests.RequestException as exc:  # that web process is down: the next one
                    last = exc
            time.sleep(0.5)
        raise RuntimeError(f"no web process answered: {last}")

    def _invoke(self, action: str, cid: int, act: Any) -> dict[str, Any]:
        """Send an invoke until it is answered with something other than "try again"; keep each try."""
        body: dict[str, Any] = {}
        for _ in range(AGAIN_AT_MOST):
            sent = time.time()
            answer = self._send(act)
            body = answer.json() if answer.status_code == 200 and answer.text else {}
            said = json.dumps(body)
            again = "again" in said.lower() and "Claimed by" not in said
            got = "" if not body else ("click again" if again else "card")
            self.clicks.append(Click(self.person.aad_object_id, action, str(cid), sent, got, False))
            if got == "card":
                return body
            time.sleep(AGAIN_PAUSE)
        return body

    def _claim(self, taken: set[int], guard: threading.Lock) -> int | None:
        free = [
            (cid, a) for cid, a in teams_cards(self.teams) if "Claimed by" not in json.dumps(a) and cid not in taken
        ]
        with guard:
            free = [(cid, a) for cid, a in free if cid not in taken]
            if not free:
                return None
            cid, card = self.random.choice(free)
            taken.add(cid)
        data = {"complaint_id": cid}
        body = self._invoke("claim", cid, lambda c: c.click(self.person, card["id"], "claim", data))
        if "Claimed by" in json.dumps(body) and self.person.name in json.dumps(body):
            self.claims[cid] = self.person.aad_object_id
            return cid
        return None

    def _reply(self, cid: int) -> None:
        """A public reply, where the post is on X and mentions the brand (X refuses a reply to any other)."""
        with self.engine.connect() as c:
            found = c.execute(select(complaints.c.source, complaints.c.text).where(complaints.c.id == cid)).first()
        if found is None or found.source != "x" or QUIET_QUERY in found.text.lower():
            return
        card = next(a for c, a in teams_cards(self.teams) if c == cid)
        text = f"So sorry about this. We've opened case #{cid}: DM us your booking reference and we'll sort it."
        data = {"dialog_id": "acknowledge", "complaint_id": cid, "step": "send", "text": text}
        self._invoke("acknowledge", cid, lambda c: c.submit_dialog(self.person, card["id"], data))
        time.sleep(THINK_SECONDS)

    def _ticket(self, cid: int) -> None:
        card = next(a for c, a in teams_cards(self.teams) if c == cid)
        data = {
            "dialog_id": "ticket",
            "complaint_id": cid,
            "step": "send",
            "subject": f"Drill case {cid}",
            "priority": "normal",
            "notes": "from the drill (Teams)",
            "contact": "",
        }
        self._invoke("ticket", cid, lambda c: c.submit_dialog(self.person, card["id"], data))
