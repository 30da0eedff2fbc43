"""What a person reads: money as money, and a close misspelling of a subcommand answered with the right one."""

from __future__ import annotations

import pytest

from handlers.team.command_words import parse
from handlers.team.words.common import CommandError
from handlers.text.money import money


@pytest.mark.parametrize(
    ("amount", "shown"), [(0.2, "$0.20"), (0.015, "$0.015"), (0.0, "$0.00"), (12.5, "$12.50"), (1234.0, "$1,234.00")]
)
def test_money_shows_cents_and_only_the_fractions_of_a_cent_it_has(amount: float, shown: str) -> None:
    assert money(amount) == shown


@pytest.mark.parametrize(("typed", "meant"), [("stauts", "stats"), ("oncal", "oncall"), ("exprot", "export")])
def test_a_close_misspelling_is_answered_with_the_subcommand_meant(typed: str, meant: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse(f"{typed} today")
    assert raised.value.reason == f'"{typed}" is not a subcommand. Did you mean {meant}?'


def test_a_word_like_no_subcommand_gets_no_guess() -> None:
    with pytest.raises(CommandError) as raised:
        parse("launch rockets")
    assert raised.value.reason == '"launch" is not a subcommand'
