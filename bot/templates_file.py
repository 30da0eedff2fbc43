"""Load the public reply templates file (TOML), with a clear message when it is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.config import SettingsError
from handlers.cases.reply_templates import ReplyTemplate, TemplateError, check

PROJECT = Path(__file__).resolve().parents[1]


def load_templates(path: str) -> list[ReplyTemplate]:
    """Read and check the templates; a relative path is looked up in the working folder, then in the project."""
    candidates = [Path(path)] if Path(path).is_absolute() else [Path.cwd() / path, PROJECT / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise SettingsError(f"REPLY_TEMPLATES names {path}, which does not exist.")
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
        entries = data.get("templates", [])
        return [check(ReplyTemplate(str(e["name"]), str(e["text"]))) for e in entries]
    except (tomllib.TOMLDecodeError, KeyError, TypeError, TemplateError) as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None
