"""Load the triage policy file (TOML) into the core's Triage, with a clear message when it is wrong."""

from __future__ import annotations

from bot.config import SettingsError
from bot.policy_files import read_policy
from handlers.intake.triage import Triage, TriageConfigError, parse_triage


def load_triage(path: str) -> Triage:
    """Read and check the triage file; a relative path is looked up in the working folder, then in the project."""
    found, data = read_policy("TRIAGE_CONFIG", path)
    try:
        return parse_triage(data)
    except TriageConfigError as exc:
        raise SettingsError(f"TRIAGE_CONFIG {found}: {exc}.") from None
