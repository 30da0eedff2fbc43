"""Load the public reply templates file (TOML), with a clear message when it is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.config import SettingsError
from handlers.cases.reply_templates import ReplyTemplate, TemplateError, check

PROJECT = Path(__file__).resolve().parents[1]


def _read(path: str) -> tuple[Path, dict[str, Any]]:
    """The file and its contents; a relative path is looked up in the working folder, then in the project."""
    candidates = [Path(path)] if Path(path).is_absolute() else [Path.cwd() / path, PROJECT / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise SettingsError(f"REPLY_TEMPLATES names {path}, which does not exist.")
    try:
        return found, tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None


def load_templates(path: str) -> list[ReplyTemplate]:
    """Read and check the public reply templates."""
    found, data = _read(path)
    try:
        entries = data.get("templates", [])
        return [check(ReplyTemplate(str(e["name"]), str(e["text"]))) for e in entries]
    except (KeyError, TypeError, TemplateError) as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None


def load_private_opening(path: str) -> ReplyTemplate | None:
    """The private hand-off's opening message (`[private] opening`), checked; None when the file names none."""
    found, data = _read(path)
    private = data.get("private")
    if private is None:
        return None
    try:
        if not isinstance(private, dict) or not str(private["opening"]).strip():
            raise TypeError("[private] needs an opening text")
        opening = check(ReplyTemplate("private opening", str(private["opening"])))
    except (KeyError, TypeError, TemplateError) as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None
    if len(opening.text) > 1000:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: the private opening is over 1,000 characters.")
    return opening
