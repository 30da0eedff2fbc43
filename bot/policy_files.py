"""Reading a policy file (TOML) named by a setting: found in the working folder or the project, parsed, and every
problem one line that names the setting and the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.config import SettingsError

PROJECT = Path(__file__).resolve().parents[1]


def read_policy(setting: str, path: str) -> tuple[Path, dict[str, Any]]:
    """The file `setting` names and its contents; a relative path is looked up in the working folder, then in the
    project."""
    candidates = [Path(path)] if Path(path).is_absolute() else [Path.cwd() / path, PROJECT / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise SettingsError(
            f"{setting} names {path}, which does not exist (looked in {', '.join(map(str, candidates))})."
        )
    try:
        return found, tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{setting} {found} is not valid TOML: {exc}.") from None
