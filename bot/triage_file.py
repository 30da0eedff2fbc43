"""Load the triage policy file (TOML) into the core's Triage, with a clear message when it is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.config import SettingsError
from handlers.intake.triage import Triage, TriageConfigError, parse_triage

PROJECT = Path(__file__).resolve().parents[1]


def load_triage(path: str) -> Triage:
    """Read and check the triage file; a relative path is looked up in the working folder, then in the project."""
    candidates = [Path(path)] if Path(path).is_absolute() else [Path.cwd() / path, PROJECT / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise SettingsError(
            f"TRIAGE_CONFIG names {path}, which does not exist (looked in {', '.join(map(str, candidates))})."
        )
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"TRIAGE_CONFIG {found} is not valid TOML: {exc}.") from None
    try:
        return parse_triage(data)
    except TriageConfigError as exc:
        raise SettingsError(f"TRIAGE_CONFIG {found}: {exc}.") from None
