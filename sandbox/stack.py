"""The demo stack: the local Slack, Teams, X, Bluesky and Mastodon, the sandbox page, and the real `python -m bot run`
on the embedded defaults (a SQLite file in a scratch folder, in-process coordination), wired to each other."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from sandbox.bluesky_api import LocalBluesky
from sandbox.interactions import APP_ID as SLACK_APP
from sandbox.llm_api import LocalChatCompletions
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_activities import TeamsPerson
from sandbox.teams_api import LocalTeams
from sandbox.teams_view import TeamsView
from sandbox.workspace import LEADS_GROUP, PEOPLE, SandboxWorkspace
from sandbox.x_api import LocalX

PROJECT = Path(__file__).resolve().parents[1]
PAST_REPLIES = PROJECT / "sandbox" / "demo" / "past_replies.csv"  # a twcs-shaped file of the demo brand's replies
CHANNEL = "C0CARE"


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoStack:
    """Everything `make run` starts; `stop()` (or leaving the `with` block) ends it all."""

    def __init__(self, *, poll_seconds: float = 2.0) -> None:
        self.slack, self.x, self.teams = LocalSlack(), LocalX(), LocalTeams()
        self.bluesky, self.mastodon = LocalBluesky(), LocalMastodon()
        self.drafts = LocalChatCompletions()  # the reply form's Draft button asks this stand-in
        for server in (self.slack, self.x, self.teams, self.bluesky, self.mastodon, self.drafts):
            server.start()
        self.port, self.secret = free_port(), secrets.token_hex(16)
        self.events_url = f"http://127.0.0.1:{self.port}/slack/events"
        names = {p.id: p.name for p in PEOPLE}
        teams_view = TeamsView(self.teams, f"http://127.0.0.1:{self.port}/api/messages", names)
        self.workspace = SandboxWorkspace(
            self.slack,
            self.x,
            self.events_url,
            self.secret,
            channel=CHANNEL,
            teams=teams_view,
            bluesky=self.bluesky,
            mastodon=self.mastodon,
        )
        leads = [TeamsPerson.named(p.name).aad_object_id for p in PEOPLE if p.role == "lead"]
        self.stopping = threading.Event()
        workdir = Path(tempfile.mkdtemp(prefix="squeaky-demo-"))
        env = {
            **os.environ,
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'squeaky.db'}"),
            "SLACK_BOT_TOKEN": self.slack.token,
            "SLACK_SIGNING_SECRET": self.secret,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_TEAM_ID": self.slack.team_id,
            "SLACK_APP_ID": SLACK_APP,
            "SLACK_API_URL": f"{self.slack.url}/api/",
            "SLACK_LEADS_GROUP": LEADS_GROUP,
            "ONCALL_USER": "U0LEA",
            "TEAMS_APP_ID": self.teams.app_id,
            "TEAMS_APP_PASSWORD": self.teams.client_secret,
            "TEAMS_TENANT_ID": self.teams.tenant_id,
            "TEAMS_CHANNEL": TEAMS_CHANNEL,
            "TEAMS_SERVICE_URL": self.teams.service_url,
            "TEAMS_ALLOWED_SERVICE_URLS": self.teams.service_url,  # the local Teams, beside no real one
            "TEAMS_OPENID_METADATA_URL": self.teams.openid_metadata_url,
            "TEAMS_LOGIN_URL": self.teams.url,
            "TEAMS_LEADS": ",".join(leads),
            "LLM_API_URL": self.drafts.endpoint,
            "LLM_API_KEY": self.drafts.key,
            "X_BEARER_TOKEN": self.x.bearer_token,
            "X_API_URL": self.x.url,
            "X_BRAND_HANDLES": self.x.brand,
            "X_API_KEY": "demo-key",
            "X_API_SECRET": "demo-key-secret",
            "X_ACCESS_TOKEN": "demo-access-token",
            "X_ACCESS_TOKEN_SECRET": "demo-access-secret",
            "X_POLL_SECONDS": str(poll_seconds),
            "BLUESKY_HANDLE": self.bluesky.brand,
            "BLUESKY_APP_PASSWORD": self.bluesky.app_password,
            "BLUESKY_SERVICE_URL": self.bluesky.url,
            "BLUESKY_POLL_SECONDS": str(poll_seconds),
            "MASTODON_API_BASE_URL": self.mastodon.url,
            "MASTODON_ACCESS_TOKEN": self.mastodon.token,
            "MASTODON_POLL_SECONDS": str(poll_seconds),
            "PORT": str(self.port),
            "BIND_ADDRESS": "127.0.0.1",  # nothing of the demo listens beyond this machine
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}",  # Open ticket links lead to this Squeaky
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
        }
        for name in (
            "REDIS_URL",
            "SLACK_APP_TOKEN",
            "PAGERDUTY_ROUTING_KEY",
            "SLACK_AGENTS_GROUP",
            "TEAMS_AGENTS_TEAM",
        ):
            env.pop(name, None)
        # the brand's past replies, so the reply form has suggestions from the first complaint on
        learn = [
            sys.executable,
            "-m",
            "bot",
            "suggestions",
            "import",
            str(PAST_REPLIES),
            "--brand",
            f"{self.x.brand}=care",
        ]
        subprocess.run(learn, env=env, cwd=workdir, check=False, capture_output=True)  # noqa: S603 - our own command
        self.bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=workdir)

    def wait_until_up(self, stop: threading.Event, timeout: float = 60.0) -> None:
        """Wait until Squeaky answers /healthz (or `stop`, or `timeout`)."""
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            stop.wait(0.2)

    def serve_page(self, port: int) -> str:
        """Serve the sandbox page on `port` (any free port if that one is taken); return its address."""
        try:
            return self.workspace.start(port)
        except OSError:
            return self.workspace.start()

    def stop(self) -> None:
        """Stop Squeaky, then the stand-ins."""
        self.stopping.set()
        if self.bot.poll() is None:
            self.bot.send_signal(signal.SIGTERM)
            try:
                self.bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.bot.kill()
        self.workspace.stop()
        for server in (self.slack, self.x, self.teams, self.bluesky, self.mastodon, self.drafts):
            server.stop()

    def __enter__(self) -> DemoStack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
