"""Only what is configured is imported: with Slack and X on, the web process's and the worker's wiring leave the
Teams SDK, atproto and Mastodon.py unloaded (each costs memory and start-up time in every process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from tests.conftest import REDIS_TEST_URL

ROOT = Path(__file__).resolve().parents[2]
NOT_CONFIGURED = ("microsoft_teams", "atproto", "atproto_client", "mastodon")
PROBE = """
import json, sys
from bot.bootstrap import build_services
from bot.chat_tools import enabled_tools
from bot.config import Settings
from bot import housekeeping, processes, worker
from bot.web import web_app

settings = Settings(_env_file=None)
services = build_services(settings)
web_app(services)  # every route of every chat tool that is on
housekeeping.jobs(services)
routes = [tool.click_route(services) for tool in enabled_tools(settings)]
print(json.dumps({"surfaces": settings.chat_surfaces, "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_slack_and_x_alone_load_no_teams_bluesky_or_mastodon_library(
    pg_url: str, local_slack: LocalSlack, local_x: LocalX
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": pg_url,
        "REDIS_URL": REDIS_TEST_URL,
        "SLACK_BOT_TOKEN": local_slack.token,
        "SLACK_SIGNING_SECRET": "lazy-imports-secret",
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_TEAM_ID": "T0SQUEAKY",
        "SLACK_APP_ID": "A0SQUEAKY",
        "SLACK_API_URL": f"{local_slack.url}/api/",
        "X_BEARER_TOKEN": local_x.bearer_token,
        "X_API_URL": local_x.url,
        "X_BRAND_HANDLES": local_x.brand,
    }
    probe = [sys.executable, "-c", PROBE]
    done = subprocess.run(probe, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603 - fixed argv
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["surfaces"] == ["slack"]
    assert "slack_bolt" in seen["loaded"], "the probe sees what the tools that are on load"
    assert not set(NOT_CONFIGURED) & set(seen["loaded"]), set(NOT_CONFIGURED) & set(seen["loaded"])
