"""Mastodon's settings: the brand account's instance and token, what is searched, the instance's length limit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode


class MastodonSettings(BaseSettings):
    """MASTODON_*. Secrets are SecretStr: they never show in logs or reprs."""

    mastodon_api_base_url: str | None = Field(
        None, description="the brand account's Mastodon instance, such as https://mastodon.social"
    )
    mastodon_access_token: SecretStr | None = Field(
        None, description="an access token of the brand's Mastodon account (scopes read and write:statuses)"
    )
    mastodon_searches: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Mastodon hashtags (#delays) or searches to poll as well, separated by ; (a hashtag on another "
        "instance: https://other.instance #delays)",
    )
    mastodon_max_characters: int = Field(
        500, ge=1, le=100_000, description="the instance's post length limit (500 unless the instance raised it)"
    )
    mastodon_poll_seconds: float = Field(30.0, gt=0, description="seconds between two polls of Mastodon")

    @field_validator("mastodon_searches", mode="before")
    @classmethod
    def _split_mastodon_searches(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value

    @field_validator("mastodon_searches")
    @classmethod
    def _check_mastodon_searches(cls, value: list[str]) -> list[str]:
        for search in value:
            where, _, query = search.partition(" ") if search.startswith(("http://", "https://")) else ("", "", search)
            if where and not (query.strip().startswith("#") and " " not in query.strip()):
                raise ValueError(
                    f"{search!r}: on another instance only a #hashtag can be read (searching needs an account)"
                )
        return value

    @field_validator("mastodon_api_base_url")
    @classmethod
    def _check_mastodon_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def mastodon_on(self) -> bool:
        """Whether Mastodon is configured (either of its settings set: then both must be)."""
        return bool(self.mastodon_api_base_url or self.mastodon_access_token)
