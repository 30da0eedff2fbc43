"""The README, the docs and the code tell the same story: every setting documented, every process in the Procfile
exists, every link leads somewhere, and the README stays short enough to read in five minutes."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "docs" / "settings.md").read_text()
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_setting_is_in_the_settings_reference_with_its_description() -> None:
    for name, field in Settings.model_fields.items():
        assert f"| `{name.upper()}` | {field.description} |" in SETTINGS, f"docs/settings.md misses {name.upper()}"


def test_the_readme_reads_in_five_minutes() -> None:
    assert len(README.splitlines()) < 250


def test_every_relative_link_in_the_readme_and_docs_leads_to_a_file() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in LINK.findall(page.read_text())
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert not broken, broken


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.strip().splitlines()] == [["make", "run"], ["make", "test"]]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_procfile_commands_exist() -> None:
    commands = set(main.commands)  # type: ignore[attr-defined]
    for line in (ROOT / "Procfile").read_text().splitlines():
        _process, command = line.split(":", 1)
        match = re.fullmatch(r"\s*python -m bot (\w+)", command)
        assert match and match.group(1) in commands, line
        result = CliRunner().invoke(main, [match.group(1), "--help"])
        assert result.exit_code == 0, result.output
