"""Bluesky's settings: the brand account, its server, what is searched and how often."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode


class BlueskySettings(BaseSettings):
    """BLUESKY_*. Secrets are SecretStr: they never show in logs or reprs."""

    bluesky_handle: str | None = Field(
        None, description="the brand's Bluesky handle (such as squeakyair.bsky.social): its notifications are read"
    )
    bluesky_app_password: SecretStr | None = Field(
        None, description="an app password of the brand's Bluesky account (Settings → Privacy and security)"
    )
    bluesky_service_url: str = Field(
        "https://bsky.social", description="the brand account's Bluesky server (its PDS), where Squeaky logs in"
    )
    bluesky_search_queries: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Bluesky post searches to poll as well, separated by ;"
    )
    bluesky_poll_seconds: float = Field(30.0, gt=0, description="seconds between two polls of Bluesky")

    @field_validator("bluesky_search_queries", mode="before")
    @classmethod
    def _split_bluesky_queries(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value

    @field_validator("bluesky_handle")
    @classmethod
    def _check_bluesky_handle(cls, value: str | None) -> str | None:
        if value is None:
            return None
        handle = value.strip().lstrip("@")
        labels = handle.split(".")
        if len(labels) < 2 or not all(label and label.replace("-", "").isalnum() for label in labels):
            raise ValueError(f"{value!r} is not a Bluesky handle (a domain name such as squeakyair.bsky.social)")
        return handle

    @field_validator("bluesky_service_url")
    @classmethod
    def _check_bluesky_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def bluesky_on(self) -> bool:
        """Whether Bluesky is configured (either of its credentials set: then both must be)."""
        return bool(self.bluesky_handle or self.bluesky_app_password)
