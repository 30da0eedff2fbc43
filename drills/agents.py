"""The agents of a drill: care agents clicking in Slack through signed requests (claim, reply publicly, open a
ticket), as bench/scale_agents.py's do, but to whichever web process answers (a load balancer's way round a dead
one), keeping which claims each won, and waiting for every click's answer: the card updated, a form, or a private
"click again" (then they click again, as an agent would, all through an outage). A click that got none is kept."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import Engine, select

from bench.clicks import SECRET
from bench.scale_agents import Agent, AgentLog, Board
from bench.scale_constants import CHANNEL
from bot.slack import action_ids
from drills.traffic import QUIET_QUERY
from sandbox.interactions import block_action, post_signed, view_submission
from storage.sql.tables import complaints

ANSWER_SECONDS = 20.0  # a click with no answer within this long is counted unanswered
AGAIN_PAUSE = 1.0  # an agent told "click again" clicks again after this long
AGAIN_AT_MOST = 40  # and gives up after this many tries of one click


@dataclass(frozen=True)
class Click:
    """One click an agent made and what came of it."""

    user: str
    action: str
    complaint_id: str
    at: float
    answer: str  # "card", "form", "click again", "reply" (the response_url) or "" (none)
    slack_failing: bool  # Slack's Web API was failing while the answer was awaited (no answer could land)


class DrillAgent(Agent):
    """An agent whose clicks go to the first web process that answers, and whose won claims are kept."""

    def __init__(self, n: int, urls: list[str], board: Board, engine: Engine, log: AgentLog) -> None:
        super().__init__(n, urls, "", board, engine, log)
        self.urls = urls[n % len(urls) :] + urls[: n % len(urls)]
        self.claims: dict[int, str] = {}  # complaint id -> this agent's Slack id, for each claim it saw won
        self.clicks: list[Click] = []

    def _post(self, payload: dict[str, Any]) -> requests.Response:
        last: Exception | None = None
        for _round in range(20):
            for url in self.urls:
                try:
                    return post_signed(url, SECRET, payload)
                except requests.RequestException as exc:  # that web process is down: the next one
                    last = exc
            time.sleep(0.5)
        raise RuntimeError(f"no web process answered: {last}")

    def _click(self, action: str, value: str, ts: str, *, response_url: bool = True, url: str = "") -> float:
        """Click, wait for the answer; told to click again, click again. Return the first click's ms to its 200."""
        first_ms = 0.0
        for _ in range(AGAIN_AT_MOST):
            ms, answer = self._click_once(action, value, ts)
            first_ms = first_ms or ms
            if answer != "click again":
                return first_ms
            time.sleep(AGAIN_PAUSE)
        return first_ms

    def _click_once(self, action: str, value: str, ts: str) -> tuple[float, str]:
        slack = self.slack
        where = slack.action_response_url(CHANNEL, ts)
        with slack.lock:
            seen_requests = len(slack.requests)
            seen_views = sum(1 for v in slack.views if v.get("opened_for") == self.user)
        sent = time.time()
        payload = block_action(self.user, self.name, action, value, CHANNEL, ts, response_url=where)
        started = time.perf_counter()
        answer = self._post(payload)
        if answer.status_code != 200:
            raise RuntimeError(f"click answered {answer.status_code}")
        ms = (time.perf_counter() - started) * 1000
        path = where.removeprefix(slack.url)
        failing = slack.in_outage()
        got = ""
        deadline = time.time() + ANSWER_SECONDS
        while not got and time.time() < deadline:
            time.sleep(0.2)
            failing = failing or slack.in_outage()
            got = self._answer(action, value, sent, seen_requests, seen_views, path)
        self.clicks.append(Click(self.user, action, value, sent, got, failing))
        return ms, got

    def _answer(self, action: str, value: str, sent: float, seen_requests: int, seen_views: int, path: str) -> str:
        """What answered a click so far: a private message, a form, its response_url, the card showing a claim."""
        slack = self.slack
        with slack.lock:
            told = [
                str(c.params.get("text") or "")
                for c in slack.calls
                if c.method == "chat.postEphemeral" and c.params.get("user") == self.user and c.at >= sent
            ]
            views = sum(1 for v in slack.views if v.get("opened_for") == self.user)
            replied = any(r.path == path for r in slack.requests[seen_requests:])
        if any("click again" in t for t in told):
            return "click again"
        if views > seen_views:
            return "form"
        if replied or told:
            return "reply"
        if action == action_ids.CLAIM:
            card = next((m for c, m in self._cards() if str(c) == value), None)
            if card is not None and "Claimed by" in json.dumps(card["blocks"]):
                return "card"
        return ""

    def _record_ack(self, action: str, value: str, ts: str) -> None:
        ms = self._click(action, value, ts, response_url=True)
        with self.log.lock:
            self.log.ack_ms.append(ms)

    def _wait_owner(self, cid: int, sent: float) -> bool:
        won = super()._wait_owner(cid, sent)
        if won:
            self.claims[cid] = self.user
        return won

    def _handle(self, cid: int, card: dict[str, Any]) -> None:
        """Reply publicly where X lets us (the post mentions the brand), then open a ticket."""
        self.done.add(cid)
        with self.engine.connect() as c:
            found = c.execute(select(complaints.c.source, complaints.c.text).where(complaints.c.id == cid)).first()
        if found is not None and found.source == "x" and QUIET_QUERY not in found.text.lower():
            self._click(action_ids.ACKNOWLEDGE, str(cid), card["ts"])
            words = f"So sorry about this. We've opened case #{cid}: DM us your booking reference and we'll sort it."
            self._submit(self._view(), {"text:0": words})
            with self.log.lock:
                self.log.replies_asked += 1
        self._click(action_ids.TICKET, str(cid), card["ts"])
        self._submit(self._view(), {"subject": f"Drill case {cid}", "priority": "normal", "notes": "from the drill"})
        with self.log.lock:
            self.log.tickets_asked += 1
            self.log.handled += 1

    def _submit(self, view: dict[str, Any], answers: dict[str, str]) -> None:
        answer = self._post(view_submission(self.user, self.name, view, answers))
        if answer.status_code != 200:
            raise RuntimeError(f"form answered {answer.status_code}")
