"""The agents of a drill: care agents clicking in Slack through signed requests (claim, reply publicly, open a
ticket), as bench/scale_agents.py's do, but to whichever web process answers (a load balancer's way round a dead
one), and keeping which claims each won."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from sqlalchemy import Engine

from bench.clicks import SECRET
from bench.scale_agents import Agent, AgentLog, Board
from bench.scale_constants import CHANNEL
from sandbox.interactions import block_action, post_signed, view_submission


class DrillAgent(Agent):
    """An agent whose clicks go to the first web process that answers, and whose won claims are kept."""

    def __init__(self, n: int, urls: list[str], board: Board, engine: Engine, log: AgentLog) -> None:
        super().__init__(n, urls, "", board, engine, log)
        self.urls = urls[n % len(urls) :] + urls[: n % len(urls)]
        self.claims: dict[int, str] = {}  # complaint id -> this agent's Slack id, for each claim it saw won

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
        payload = block_action(self.user, self.name, action, value, CHANNEL, ts)
        if not response_url:
            payload.pop("response_url")
        started = time.perf_counter()
        answer = self._post(payload)
        if answer.status_code != 200:
            raise RuntimeError(f"click answered {answer.status_code}")
        return (time.perf_counter() - started) * 1000

    def _record_ack(self, action: str, value: str, ts: str) -> None:
        ms = self._click(action, value, ts, response_url=True)
        with self.log.lock:
            self.log.ack_ms.append(ms)

    def _wait_owner(self, cid: int, sent: float) -> bool:
        won = super()._wait_owner(cid, sent)
        if won:
            self.claims[cid] = self.user
        return won

    def _submit(self, view: dict[str, Any], answers: dict[str, str]) -> None:
        answer = self._post(view_submission(self.user, self.name, view, answers))
        if answer.status_code != 200:
            raise RuntimeError(f"form answered {answer.status_code}")


class Crew:
    """The agents, working on threads of their own until `stop()`."""

    def __init__(self, count: int, urls: list[str], board: Board, engine: Engine) -> None:
        self.log = AgentLog()
        self.agents = [DrillAgent(n, urls, board, engine, self.log) for n in range(count)]
        self._taken: set[int] = set()
        self._guard = threading.Lock()
        self._until = float("inf")
        self._threads = [threading.Thread(target=self._work, args=(a,), daemon=True) for a in self.agents]

    def _work(self, agent: DrillAgent) -> None:
        while time.time() < self._until:
            agent.run(min(self._until, time.time() + 5), self._taken, self._guard)

    def start(self) -> Crew:
        """Start working."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Finish the case in hand, then stop."""
        self._until = time.time()
        for thread in self._threads:
            thread.join(timeout=60)

    def claims(self) -> dict[int, str]:
        """Every claim an agent saw won: complaint id -> the agent's Slack id."""
        return {cid: user for agent in self.agents for cid, user in agent.claims.items()}
