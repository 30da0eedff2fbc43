"""The README, the docs and the code tell the same story: every setting documented, every process in the Procfile
exists, every link leads somewhere, the README stays short enough to read in five minutes, its tour is the one the
browser walks, the command tables are the help the product prints, and the figures quoted are the measured ones."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from handlers.team.command_words import help_text
from sandbox.tour_steps import SHOTS, STEPS, as_markdown

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


def _table_rows(page: str, header: str) -> list[list[str]]:
    """The cells of the markdown table under `header`, unescaped, code marks removed."""
    lines = page.split(header, 1)[1].split("\n\n", 1)[0].strip().splitlines()[1:]
    rows = [re.split(r"(?<!\\)\|", line.strip().strip("|")) for line in lines]
    return [[cell.strip().replace("\\|", "|").replace("`", "") for cell in row] for row in rows]


def test_the_subcommand_table_is_the_help_the_product_prints() -> None:
    features = (ROOT / "docs" / "features.md").read_text()
    documented = [row[0] for row in _table_rows(features, "| subcommand | what it answers |")]
    printed = [line.split(": ", 1)[0] for line in help_text()]
    assert documented == printed


def test_the_command_table_is_every_command_the_cli_has() -> None:
    documented = {row[0].split()[3] for row in _table_rows(SETTINGS, "| command | what it runs |")}
    assert documented == set(main.commands)  # type: ignore[attr-defined]


def test_the_readme_tour_is_the_one_the_browser_walks() -> None:
    tour = README.split("## A tour", 1)[1].split("\n## ", 1)[0]
    written = [line for line in tour.splitlines() if line.strip()]
    walked = [line for line in as_markdown() if line.strip()]
    assert written[: len(walked)] == walked
    for step in STEPS:
        assert (ROOT / SHOTS / f"{step.shot}.png").exists(), step.shot


def test_figures_quoted_in_the_docs_are_the_measured_ones() -> None:
    measured = (ROOT / "docs" / "benchmarks.md").read_text()
    figure = re.compile(r"\b\d[\d.,]*\s?(?:ms|s)\b")
    for page in (ROOT / "README.md", ROOT / "docs" / "features.md"):
        prose = re.sub(r"`[^`\n]*`", "", page.read_text())  # code spans show what the product says, not figures
        for quoted in figure.findall(prose):
            assert quoted in measured, f"{page.name} quotes {quoted}, which docs/benchmarks.md does not measure"
