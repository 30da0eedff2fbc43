"""Settings: a missing or malformed one is one clear line; secrets never show."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings, SettingsError, load_settings
from bot.logs import MASK, RedactSecrets


def test_missing_setting_names_it_and_says_what_it_is_for() -> None:
    settings = Settings(_env_file=None)
    with pytest.raises(SettingsError) as info:
        settings.require("slack_bot_token")
    message = str(info.value)
    assert message.startswith("SLACK_BOT_TOKEN is not set: the Slack bot token")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SLACK_CHANNEL", "#care", "SLACK_CHANNEL is malformed (the Slack channel id"),
        ("PORT", "eighty", "PORT is malformed (the HTTP port"),
        ("X_BRAND_HANDLES", "good_one, not a handle!", "X_BRAND_HANDLES is malformed"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL is malformed"),
    ],
)
def test_malformed_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")  # no .env
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(expected)
    assert "\n" not in str(info.value)


def test_brand_handles_are_split_and_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BRAND_HANDLES", "@SqueakyAir, SqueakyHelp")
    assert Settings(_env_file=None).x_brand_handles == ["SqueakyAir", "SqueakyHelp"]


def test_secrets_stay_out_of_repr_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-value")
    monkeypatch.setenv("SLACK_CHANNEL", "not-a-channel")
    monkeypatch.chdir("/")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "xoxb-very-secret-value" not in str(info.value)
    monkeypatch.delenv("SLACK_CHANNEL")
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-very-secret-value", database_url="postgresql://u:pw-secret@h/db"
    )
    assert "xoxb-very-secret-value" not in repr(settings)
    assert set(settings.secret_values()) == {"xoxb-very-secret-value", "pw-secret"}


def test_log_filter_masks_secrets_in_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets(["xoxb-very-secret-value"]))
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("header Authorization: Bearer %s", "xoxb-very-secret-value")
        try:
            raise RuntimeError("token xoxb-very-secret-value refused")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    assert "xoxb-very-secret-value" not in text
    assert text.count(MASK) >= 2
