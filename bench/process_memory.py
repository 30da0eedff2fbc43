"""Each process's peak memory with one network on and with all of them: `python -m bot web`, `worker` and `ingest`
started as in production (gunicorn with one web worker) against the local stand-ins, run for a few seconds once
they are up (the web process once /healthz answers), then stopped. The peak is the kernel's count for the process
and the processes it waited for (the resident set size wait4 reports): for web, gunicorn's worker.

"One network" is Slack and X; "all" adds Teams, Bluesky and Mastodon. A library is imported only when its chat
tool or network is on, so the difference is what Teams' SDK, atproto and Mastodon.py (and their clients) cost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.ingest import scratch_database
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_api import LocalTeams
from sandbox.x_api import LocalX
from storage.sql.migrate import upgrade

PROJECT = Path(__file__).resolve().parents[1]
PROCESSES = ("web", "worker", "ingest")
RUN_SECONDS = 8.0  # after the process is up: a few polls, delivery passes and periodic jobs
READY_SECONDS = 60.0
SECRET = "process-memory-signing-secret"  # noqa: S105 - the local Slack's, for this run


@dataclass(frozen=True)
class Peaks:
    """Peak RSS in MiB by process, for one network and for all of them."""

    one: dict[str, float]
    all: dict[str, float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str, redis_url: str, slack: LocalSlack, x: LocalX) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WEB_CONCURRENCY": "1",
        "BIND_ADDRESS": "127.0.0.1",
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_TEAM_ID": slack.team_id,
        "SLACK_APP_ID": "A0SQUEAKY",
        "SLACK_API_URL": f"{slack.url}/api/",
        "X_BEARER_TOKEN": x.bearer_token,
        "X_API_URL": x.url,
        "X_BRAND_HANDLES": x.brand,
        "X_API_KEY": "bench-key",
        "X_API_SECRET": "bench-key-secret",
        "X_ACCESS_TOKEN": "bench-access-token",
        "X_ACCESS_TOKEN_SECRET": "bench-access-secret",
        "X_POLL_SECONDS": "2",
    }


def _more(teams: LocalTeams, bluesky: LocalBluesky, mastodon: LocalMastodon) -> dict[str, str]:
    return {
        "TEAMS_APP_ID": teams.app_id,
        "TEAMS_APP_PASSWORD": teams.client_secret,
        "TEAMS_TENANT_ID": teams.tenant_id,
        "TEAMS_CHANNEL": TEAMS_CHANNEL,
        "TEAMS_SERVICE_URL": teams.service_url,
        "TEAMS_ALLOWED_SERVICE_URLS": teams.service_url,
        "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url,
        "TEAMS_LOGIN_URL": teams.url,
        "BLUESKY_HANDLE": bluesky.brand,
        "BLUESKY_APP_PASSWORD": bluesky.app_password,
        "BLUESKY_SERVICE_URL": bluesky.url,
        "BLUESKY_POLL_SECONDS": "2",
        "MASTODON_API_BASE_URL": mastodon.url,
        "MASTODON_ACCESS_TOKEN": mastodon.token,
        "MASTODON_POLL_SECONDS": "2",
    }


def peak_mib(process: str, env: dict[str, str]) -> float:
    """Start `python -m bot <process>`, let it run RUN_SECONDS once up, stop it; its peak RSS in MiB."""
    port = _free_port()
    child = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "bot", process],
        env={**env, "PORT": str(port)},
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if process == "web":
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`python -m bot web` did not answer /healthz (exit {child.poll()})")
            time.sleep(0.2)
    time.sleep(RUN_SECONDS)
    if child.poll() is not None:
        raise RuntimeError(f"`python -m bot {process}` exited with {child.returncode} while it was measured")
    child.send_signal(signal.SIGTERM)
    killer = threading.Timer(30.0, lambda: os.kill(child.pid, signal.SIGKILL))
    killer.start()
    _pid, _status, usage = os.wait4(child.pid, 0)
    killer.cancel()
    child.returncode = 0  # reaped above
    return usage.ru_maxrss / 1024  # Linux counts it in KiB


def measure(admin_url: str, redis_url: str) -> Peaks:
    """Every process, with one network and with all of them, on a scratch database."""
    with ExitStack() as stack:
        slack, x, teams, bluesky, mastodon = LocalSlack(), LocalX(), LocalTeams(), LocalBluesky(), LocalMastodon()
        for server in (slack, x, teams, bluesky, mastodon):
            server.start()
            stack.callback(server.stop)
        url = stack.enter_context(scratch_database(admin_url))
        upgrade(url)
        one = _env(url, redis_url, slack, x)
        every = one | _more(teams, bluesky, mastodon)
        return Peaks(
            one={process: peak_mib(process, one) for process in PROCESSES},
            all={process: peak_mib(process, every) for process in PROCESSES},
        )


def report(peaks: Peaks) -> str:
    """The table, in MiB."""
    lines = [
        "| process | Slack + X | Slack, Teams + X, Bluesky, Mastodon | difference |",
        "|---|---:|---:|---:|",
    ]
    for process in PROCESSES:
        one, every = peaks.one[process], peaks.all[process]
        lines.append(f"| {process} | {one:.0f} MiB | {every:.0f} MiB | {every - one:+.0f} MiB |")
    return "\n".join(lines)
