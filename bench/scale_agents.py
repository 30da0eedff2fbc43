"""The scale-out storm's simulated agents: what they see of the channel, and how they click in Slack."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from bench.clicks import SECRET
from bench.scale_constants import CHANNEL
from bot.slack import action_ids
from bot.slack.gateway import CARD_EVENT
from sandbox.interactions import block_action, post_signed, view_submission
from sandbox.slack_api import LocalSlack
from storage.sql.tables import complaints


@dataclass
class AgentLog:
    """What the simulated agents did and felt."""

    ack_ms: list[float] = field(default_factory=list)  # a claim or take-next click to Slack's 200
    bare_ms: list[float] = field(default_factory=list)  # the same clicks, each right after, to a bare Bolt app
    shown_ms: list[float] = field(default_factory=list)  # a won claim to the card showing its owner
    handled: int = 0  # complaints taken, replied to where possible, and ticketed
    replies_asked: int = 0
    tickets_asked: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Board:
    """What agents see of the channel: its cards, read from the local Slack at most ten times a second for all of
    them (fifty agents each sorting the channel would load the stand-in, not Squeaky)."""

    def __init__(self, slack: LocalSlack) -> None:
        self.slack = slack
        self._cards: list[tuple[int, dict[str, Any]]] = []
        self._summary: dict[str, Any] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def cards(self) -> list[tuple[int, dict[str, Any]]]:
        """The cards in the channel, oldest first, as (complaint id, message)."""
        self._refresh()
        return self._cards

    def summary(self) -> dict[str, Any] | None:
        """The newest message with a Take next button (the storm summary), if any."""
        self._refresh()
        return self._summary

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._read_at < 0.1:
                return
            found, summary = [], None
            for message in self.slack.channel_messages(CHANNEL):
                meta = message.get("metadata") or {}
                if meta.get("event_type") == CARD_EVENT:
                    found.append((int(meta["event_payload"]["complaint_id"]), message))
                elif action_ids.TAKE_NEXT in json.dumps(message.get("blocks")):
                    summary = message
            self._cards, self._summary, self._read_at = found, summary, time.monotonic()


class Agent:
    """One care agent clicking in Slack: takes a complaint, replies publicly where it is on X, opens a ticket."""

    def __init__(self, n: int, urls: list[str], bare: str, board: Board, engine: Engine, log: AgentLog) -> None:
        self.user, self.name = f"U0AGENT{n:02d}", f"agent{n:02d}"
        self.url, self.bare = urls[n % len(urls)], bare
        self.board, self.slack, self.engine, self.log = board, board.slack, engine, log
        self.done: set[int] = set()
        self.views_seen = 0
        self.random = random.Random(n)

    def run(self, until: float, taken: set[int], guard: threading.Lock) -> None:
        """Work until `until`: each round takes one complaint and handles it."""
        while time.time() < until:
            try:
                case = self._take(taken, guard)
                if case is None:
                    time.sleep(0.5)
                    continue
                self._handle(*case)
            except Exception as exc:
                with self.log.lock:
                    self.log.errors[type(exc).__name__] += 1
                time.sleep(0.5)

    def _click(self, action: str, value: str, ts: str, *, response_url: bool = True, url: str = "") -> float:
        payload = block_action(self.user, self.name, action, value, CHANNEL, ts)
        if not response_url:
            payload.pop("response_url")
        started = time.perf_counter()
        answer = post_signed(url or self.url, SECRET, payload)
        if answer.status_code != 200:
            raise RuntimeError(f"click answered {answer.status_code}")
        return (time.perf_counter() - started) * 1000

    def _cards(self) -> list[tuple[int, dict[str, Any]]]:
        return self.board.cards()

    def _take(self, taken: set[int], guard: threading.Lock) -> tuple[int, dict[str, Any]] | None:
        cards = self._cards()
        free = [(cid, m) for cid, m in cards if "Claimed by" not in json.dumps(m["blocks"]) and cid not in taken]
        if free:
            with guard:
                free = [(cid, m) for cid, m in free if cid not in taken]
                choice = self.random.choice(free) if free else None
                if choice is not None:
                    taken.add(choice[0])
            if choice is not None:
                cid, card = choice
                sent = time.time()
                self._record_ack(action_ids.CLAIM, str(cid), card["ts"])
                shown = self._wait_owner(cid, sent)
                return (cid, card) if shown else None
        summary = self.board.summary()
        if summary is None:
            return None
        sent = time.time()
        self._record_ack(action_ids.TAKE_NEXT, "care", summary["ts"])
        deadline = sent + 20
        while time.time() < deadline:
            mine = [
                (cid, m)
                for cid, m in self._cards()
                if cid not in self.done and f"Claimed by <@{self.user}>" in json.dumps(m["blocks"])
            ]
            if mine:
                with guard:
                    taken.add(mine[0][0])
                return mine[0]
            time.sleep(0.25)
        return None

    def _record_ack(self, action: str, value: str, ts: str) -> None:
        """Click, then the same click to the bare Bolt app (the floor, under the same load); note both times."""
        ours = self._click(action, value, ts, response_url=action != action_ids.TAKE_NEXT)
        bare = self._click(action, value, ts, response_url=action != action_ids.TAKE_NEXT, url=self.bare)
        with self.log.lock:
            self.log.ack_ms.append(ours)
            self.log.bare_ms.append(bare)

    def _wait_owner(self, cid: int, sent: float) -> bool:
        deadline = sent + 20
        while time.time() < deadline:
            card = next((m for c, m in self._cards() if c == cid), None)
            shown = json.dumps(card["blocks"]) if card else ""
            if f"Claimed by <@{self.user}>" in shown:
                with self.log.lock:
                    self.log.shown_ms.append((time.time() - sent) * 1000)
                return True
            if "Claimed by" in shown:
                return False  # someone else won it
            time.sleep(0.1)
        return False

    def _view(self) -> dict[str, Any]:
        deadline = time.time() + 15
        while time.time() < deadline:
            mine = [v for v in self.slack.views if v.get("opened_for") == self.user]
            if len(mine) > self.views_seen:
                self.views_seen = len(mine)
                return mine[-1]
            time.sleep(0.1)
        raise TimeoutError("no form opened")

    def _handle(self, cid: int, card: dict[str, Any]) -> None:
        self.done.add(cid)
        with self.engine.connect() as c:
            source = c.execute(select(complaints.c.source).where(complaints.c.id == cid)).scalar()
        if source == "x":
            self._click(action_ids.ACKNOWLEDGE, str(cid), card["ts"])
            words = f"So sorry about this. We've opened case #{cid}: DM us your booking reference and we'll sort it."
            self._submit(self._view(), {"text:0": words})
            with self.log.lock:
                self.log.replies_asked += 1
        self._click(action_ids.TICKET, str(cid), card["ts"])
        self._submit(self._view(), {"subject": f"Storm case {cid}", "priority": "normal", "notes": "from the storm"})
        with self.log.lock:
            self.log.tickets_asked += 1
            self.log.handled += 1

    def _submit(self, view: dict[str, Any], answers: dict[str, str]) -> None:
        answer = post_signed(self.url, SECRET, view_submission(self.user, self.name, view, answers))
        if answer.status_code != 200:
            raise RuntimeError(f"form answered {answer.status_code}")
