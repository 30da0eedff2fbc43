"""The drill's care team: agents in Slack and agents in Teams, each on a thread of its own, never two on one case."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from bench.scale_agents import AgentLog, Board
from drills.agents import Click, DrillAgent
from drills.teams_agents import TeamsAgent
from sandbox.teams_api import LocalTeams


class Crew:
    """The agents, working on threads of their own until `stop()`."""

    def __init__(
        self, count: int, urls: list[str], board: Board, engine: Engine, teams: LocalTeams | None = None
    ) -> None:
        self.log = AgentLog()
        in_teams = count // 3 if teams is not None else 0  # a third of the team works in Teams
        self.agents = [DrillAgent(n, urls, board, engine, self.log) for n in range(count - in_teams)]
        endpoints = [u.replace("/slack/events", "/api/messages") for u in urls]
        self.teams_agents = (
            [TeamsAgent(n, teams, endpoints, engine) for n in range(in_teams)] if teams is not None else []
        )
        self._taken: set[int] = set()
        self._guard = threading.Lock()
        self._until = float("inf")
        workers: list[DrillAgent | TeamsAgent] = [*self.agents, *self.teams_agents]
        self._threads = [threading.Thread(target=self._work, args=(a,), daemon=True) for a in workers]

    def _work(self, agent: DrillAgent | TeamsAgent) -> None:
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
        """Every claim an agent saw won: complaint id -> the agent's id (Slack user or Entra object id)."""
        won = {cid: user for agent in self.agents for cid, user in agent.claims.items()}
        return won | {cid: user for agent in self.teams_agents for cid, user in agent.claims.items()}

    def clicks(self, since: float, until: float) -> list[Click]:
        """Every click made between `since` and `until` (epoch seconds), in Slack and in Teams."""
        made = [c for agent in self.agents for c in list(agent.clicks)]
        made += [c for agent in self.teams_agents for c in list(agent.clicks)]
        return [c for c in made if since <= c.at < until]
