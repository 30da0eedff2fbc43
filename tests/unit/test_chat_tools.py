"""The chat tools' registry: one list, more tools named in SQUEAKY_CHAT_TOOLS, and every generic part asking it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.chat_tools import chat_tools, register
from bot.config import Settings, SettingsError
from bot.housekeeping import storm_rules
from bot.queues_file import load_queues
from tests.chirp_face import ChirpTool

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from bot.chat_tools import chat_tools
from bot.config import Settings

settings = Settings(_env_file=None)
print(json.dumps({"tools": [tool.name for tool in chat_tools()], "on": settings.chat_surfaces}))
"""


def test_a_tool_named_in_the_environment_joins_the_listed_ones() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "SQUEAKY_CHAT_TOOLS": "tests.chirp_face"}
    probe = [sys.executable, "-c", PROBE]
    done = subprocess.run(probe, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603 - fixed argv
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"tools": ["slack", "teams", "chirp"], "on": ["chirp"]}


def test_the_queue_file_and_storm_mode_ask_each_registered_tool(tmp_path: Path) -> None:
    queues = tmp_path / "queues.toml"
    queues.write_text(
        '[default]\nname = "care"\n\n[[queues]]\nname = "vip"\ntiers = ["vip"]\nchannels = { chirp = "room-vip" }\n'
    )
    with pytest.raises(SettingsError, match="'chirp': not a chat tool"):
        load_queues(str(queues))
    unregister = register(ChirpTool("secret"))
    try:
        assert {queue.name: dict(queue.channels) for queue in load_queues(str(queues)).all()}["vip"] == {
            "chirp": "room-vip"
        }
        queues.write_text(queues.read_text().replace("room-vip", "#vip"))
        with pytest.raises(SettingsError, match="is not a Chirp room such as room-care"):
            load_queues(str(queues))
        settings = Settings(_env_file=None, slack_bot_token="xoxb-1", slack_channel="C0CARE")
        assert settings.chat_surfaces == ("slack", "chirp")
        assert storm_rules(settings).cards_per_second == settings.slack_posts_per_second  # the slowest tool's pace
    finally:
        unregister()
    assert [tool.name for tool in chat_tools()] == ["slack", "teams"]
