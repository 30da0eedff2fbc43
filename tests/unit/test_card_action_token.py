"""A Teams button's token is checked on the web thread that received it: the SDK's check runs to its end there, its
refusal is the caller's to answer, and a check that would wait on something is run on the Teams loop instead."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from bot.teams.card_actions import CardActions
from bot.teams.loop import LoopThread


class Validator:
    """The SDK's validator as CardActions calls it; `waits` makes the check await, `refuse` makes it raise."""

    def __init__(self, *, waits: bool = False, refuse: bool = False) -> None:
        self.waits, self.refuse = waits, refuse
        self.threads: list[str] = []

    async def validate_token(self, token: str, service_url: str | None = None) -> dict[str, Any]:
        self.threads.append(threading.current_thread().name)
        if self.waits:
            await asyncio.sleep(0)
        if self.refuse:
            raise ValueError("a foreign key")
        return {"aud": "bot"}


def _actions(validator: Validator, loop: LoopThread) -> CardActions:
    actions = CardActions.__new__(CardActions)  # only the token check: no services needed
    actions._validator = validator  # type: ignore[assignment]
    actions._loop = loop
    actions._seconds = 5.0
    return actions


def test_the_token_is_checked_on_the_calling_thread() -> None:
    validator, loop = Validator(), LoopThread("test-loop")
    _actions(validator, loop)._check("token", "https://smba.example/")
    assert validator.threads == [threading.current_thread().name]


def test_a_refused_token_raises_what_the_sdk_raises() -> None:
    with pytest.raises(ValueError, match="a foreign key"):
        _actions(Validator(refuse=True), LoopThread("test-loop"))._check("token", None)


def test_a_check_that_waits_is_run_on_the_loop() -> None:
    validator, loop = Validator(waits=True), LoopThread("test-loop")
    _actions(validator, loop)._check("token", None)
    assert validator.threads == [threading.current_thread().name, "test-loop"]
