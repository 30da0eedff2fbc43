"""The deployment a drill runs on: its own PostgreSQL and Redis, the local Slack, Teams, X, Bluesky, Mastodon and
Zendesk, and the processes of the Procfile (`python -m bot migrate`, two `web`, three `worker`, one `ingest`), each
killable with SIGKILL and started again as a process manager would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import redis
import requests
from sqlalchemy import Engine

from bench.clicks import SECRET
from bench.scale_constants import CHANNEL
from drills.traffic import QUIET_QUERY
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.server import LocalServer
from sandbox.slack_api import LocalSlack
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_api import LocalTeams
from sandbox.x_api import LocalX
from sandbox.zendesk_api import LocalZendesk
from storage.sql.engine import make_engine
from tests.private_servers import PrivatePostgres, PrivateRedis, free_port

PROJECT = Path(__file__).resolve().parent.parent
WEBS, WORKERS = 2, 3
PAGE_CAP = 10  # posts a page of the local X answers (X may answer fewer than asked), so an outage spans pages


class DrillRedis(PrivateRedis):
    """The deployment's own redis-server, which a drill may stop keeping its data or kill and bring back empty."""

    def shut_down_keeping(self) -> None:
        """SHUTDOWN SAVE: every connection drops, new ones are refused, and its data is on disk for `start()`."""
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            client.shutdown(save=True)
        except redis.ConnectionError:
            pass  # it went while answering
        finally:
            client.close()
        if self._process is not None:
            self._process.wait(timeout=15)  # it saves, then exits
        self._process = None

    def kill_empty(self) -> None:
        """kill -9, and no data on disk: `start()` brings it back empty."""
        self.stop()
        (self.workdir / "dump.rdb").unlink(missing_ok=True)

    @property
    def workdir(self) -> Path:
        """Where its files are."""
        return self._dir


@dataclass
class Process:
    """One process of the deployment: how to start it, and the running one."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: IO[str]
    popen: subprocess.Popen[bytes] | None = None
    url: str = ""
    restarts: int = 0  # times it exited by itself (failed to boot) and was started again

    def start(self) -> None:
        """Start it in a process group of its own (a web process is gunicorn and its workers)."""
        self.popen = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
            [sys.executable, "-m", "bot", *self.args],
            env={**os.environ, **self.env, "PYTHONPATH": str(PROJECT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """kill -9, the whole process group."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Deployment:
    """Everything one drill run needs, started by `up()` and ended by `down()`."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="squeaky-drills-")))
    slack: LocalSlack = field(default_factory=LocalSlack)
    x: LocalX = field(default_factory=LocalX)
    zendesk: LocalZendesk = field(default_factory=LocalZendesk)
    teams: LocalTeams = field(default_factory=LocalTeams)
    bluesky: LocalBluesky = field(default_factory=LocalBluesky)
    mastodon: LocalMastodon = field(default_factory=LocalMastodon)
    postgres: PrivatePostgres = field(default_factory=PrivatePostgres)
    redis: DrillRedis | None = None
    processes: dict[str, Process] = field(default_factory=dict)
    engine: Engine | None = None

    def env(self) -> dict[str, str]:
        """The settings every process runs with."""
        assert self.redis is not None
        return {
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "SLACK_BOT_TOKEN": self.slack.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_API_URL": f"{self.slack.url}/api/",
            "SLACK_TEAM_ID": self.slack.team_id,
            "SLACK_APP_ID": "A0SQUEAKY",
            "STREAM_RECLAIM_SECONDS": "10",
            "X_BEARER_TOKEN": self.x.bearer_token,
            "X_API_URL": self.x.url,
            "X_API_KEY": "local-key",
            "X_API_SECRET": "local-secret",
            "X_ACCESS_TOKEN": "local-access-token",
            "X_ACCESS_TOKEN_SECRET": "local-access-secret",
            "X_BRAND_HANDLES": self.x.brand,
            "X_SEARCH_QUERIES": QUIET_QUERY,  # a feed whose polls return nothing until its drill
            # X allows 450 mention reads and 450 searches per 15 min, pages included: one a second runs out in 7.5 min
            "X_POLL_SECONDS": "2.5",
            "TICKET_SYSTEM": "zendesk",
            "ZENDESK_SUBDOMAIN": "squeaky",
            "ZENDESK_EMAIL": self.zendesk.email,
            "ZENDESK_API_TOKEN": self.zendesk.token,
            "ZENDESK_URL": self.zendesk.url,
            "TEAMS_APP_ID": self.teams.app_id,
            "TEAMS_APP_PASSWORD": self.teams.client_secret,
            "TEAMS_TENANT_ID": self.teams.tenant_id,
            "TEAMS_CHANNEL": TEAMS_CHANNEL,
            "TEAMS_SERVICE_URL": self.teams.service_url,
            "TEAMS_ALLOWED_SERVICE_URLS": self.teams.service_url,
            "TEAMS_OPENID_METADATA_URL": self.teams.openid_metadata_url,
            "TEAMS_LOGIN_URL": self.teams.url,
            "BLUESKY_HANDLE": self.bluesky.brand,
            "BLUESKY_APP_PASSWORD": self.bluesky.app_password,
            "BLUESKY_SERVICE_URL": self.bluesky.url,
            "BLUESKY_POLL_SECONDS": "2.5",
            "MASTODON_API_BASE_URL": self.mastodon.url,
            "MASTODON_ACCESS_TOKEN": self.mastodon.token,
            "MASTODON_POLL_SECONDS": "2.5",
            "WEB_CONCURRENCY": "1",
            "BIND_ADDRESS": "127.0.0.1",
            "ONCALL_USER": "U0ONCALL",
            "LOG_LEVEL": os.environ.get("DRILLS_LOG_LEVEL", "WARNING"),
        }

    def up(self) -> Deployment:
        """Start the servers and stand-ins, migrate, then the web, worker and ingest processes."""
        self.postgres.start()
        self.redis = DrillRedis(self.workdir)
        self.redis.start()
        self.x.page_cap = PAGE_CAP
        for server in self.stand_ins():
            server.start()
        migrate = self._process("migrate", ["migrate"])
        migrate.start()
        assert migrate.popen is not None
        if migrate.popen.wait(timeout=120) != 0:
            raise RuntimeError(f"python -m bot migrate failed: see {self.workdir / 'migrate.log'}")
        self.engine = make_engine(self.postgres.url)
        for n in range(WEBS):
            port = free_port()
            web = self._process(f"web {n + 1}", ["web"], {"PORT": str(port)})
            web.url = f"http://127.0.0.1:{port}/slack/events"
            web.start()
        for n in range(WORKERS):
            self._process(f"worker {n + 1}", ["worker"]).start()
        self._process("ingest", ["ingest"]).start()
        for web in self.webs():
            self.wait_answering(web)
        return self

    def stand_ins(self) -> list[LocalServer]:
        """The local outside services: Slack, Teams, X, Bluesky, Mastodon and Zendesk."""
        return [self.slack, self.teams, self.x, self.bluesky, self.mastodon, self.zendesk]

    def _process(self, name: str, args: list[str], extra: dict[str, str] | None = None) -> Process:
        log = (self.workdir / f"{name.replace(' ', '-')}.log").open("a")
        process = Process(name, args, {**self.env(), **(extra or {})}, log)
        self.processes[name] = process
        return process

    def webs(self) -> list[Process]:
        """The web processes."""
        return [p for name, p in self.processes.items() if name.startswith("web")]

    def web_urls(self) -> list[str]:
        """Where Slack sends events and clicks: each web process (behind one address, as a load balancer would)."""
        return [p.url for p in self.webs()]

    @staticmethod
    def wait_answering(web: Process, seconds: float = 60.0) -> float:
        """Wait until a web process answers its health check; return when (epoch seconds)."""
        deadline = time.monotonic() + seconds
        health = web.url.replace("/slack/events", "/healthz")
        while time.monotonic() < deadline:
            try:
                requests.get(health, timeout=2)
                return time.time()
            except requests.RequestException:
                time.sleep(0.2)
            if web.popen is not None and web.popen.poll() is not None:  # it exited: a process manager starts it again
                web.restarts += 1
                time.sleep(1.0)
                web.start()
        raise RuntimeError(f"{web.name} did not answer within {seconds:.0f} s")

    def restart(self, name: str) -> float:
        """Start a killed process again (as a process manager does); return when it is serving (epoch seconds)."""
        process = self.processes[name]
        process.start()
        return self.wait_answering(process) if process.url else time.time()

    def down(self) -> None:
        """Stop every process, the stand-ins and the servers; the logs stay in `workdir`."""
        for process in self.processes.values():  # all told at once; each has 15 s to finish
            if process.popen is not None and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in self.processes.values():
            process.stop()
        for server in self.stand_ins():
            server.stop()
        if self.engine is not None:
            self.engine.dispose()
        if self.redis is not None:
            self.redis.stop()
        self.postgres.remove()

    def logs(self, name: str) -> str:
        """A process's output so far."""
        path: Any = self.workdir / f"{name.replace(' ', '-')}.log"
        return str(path.read_text(errors="replace"))
