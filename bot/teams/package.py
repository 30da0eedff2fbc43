"""The Teams app package an admin uploads: teams/manifest.json with this bot's id and host filled in, and its two
icons, zipped."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import Settings, SettingsError

FOLDER = Path(__file__).resolve().parents[2] / "teams"
FILES = ("manifest.json", "color.png", "outline.png")
MAX_COMMAND_DESCRIPTION = 128  # Teams refuses a package whose command descriptions are longer


def manifest(settings: Settings) -> dict[str, object]:
    """The manifest for this deployment (TEAMS_APP_ID and PUBLIC_URL must be set)."""
    settings.require("teams_app_id", why="the manifest names the bot")
    settings.require("public_url", why="the manifest lists Squeaky's host among its valid domains")
    assert settings.teams_app_id is not None and settings.public_url is not None
    host = urlsplit(settings.public_url).hostname or ""
    if not host:
        raise SettingsError(f"PUBLIC_URL is malformed: {settings.public_url!r} names no host.")
    text = (FOLDER / "manifest.json").read_text()
    filled = text.replace("{{TEAMS_APP_ID}}", settings.teams_app_id).replace("{{HOST}}", host)
    data: dict[str, object] = json.loads(filled)
    _check(data)
    return data


def _check(data: dict[str, object]) -> None:
    bots = data.get("bots")
    assert isinstance(bots, list) and bots, "the manifest has a bot"
    for listing in bots[0].get("commandLists", []):
        for command in listing["commands"]:
            if len(command["description"]) > MAX_COMMAND_DESCRIPTION:
                raise ValueError(
                    f"the description of {command['title']!r} is over {MAX_COMMAND_DESCRIPTION} characters"
                )


def write_package(settings: Settings, target: Path) -> Path:
    """Write the zip an admin uploads to Teams; return its path."""
    data = manifest(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(data, indent=2))
        for name in FILES[1:]:
            package.write(FOLDER / name, name)
    return target
