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


PRIVATE_TEXTS = ("opening", "survey")  # the hand-off's first message, and the satisfaction question


def load_private_texts(path: str) -> dict[str, ReplyTemplate]:
    """The private messages' texts the file's `[private]` table gives (`opening`, `survey`), checked."""
    found, data = _read(path)
    private = data.get("private") or {}
    texts = {}
    try:
        if not isinstance(private, dict) or set(private) - set(PRIVATE_TEXTS):
            raise TypeError(f"[private] takes {' and '.join(PRIVATE_TEXTS)}, each a text")
        for name in PRIVATE_TEXTS:
            if name in private:
                texts[name] = check(ReplyTemplate(f"private {name}", str(private[name]).strip()))
    except TemplateError as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None
    except TypeError as exc:
        raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: {exc}.") from None
    for name, template in texts.items():
        if not template.text or len(template.text) > 1000:
            raise SettingsError(f"REPLY_TEMPLATES {found} is not valid: [private] {name} needs 1 to 1,000 characters.")
    return texts
