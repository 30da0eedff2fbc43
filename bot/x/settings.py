"""X's settings: the app's and the brand account's keys, what is read, how often, and what a post costs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode


class XSettings(BaseSettings):
    """X_*. Secrets are SecretStr: they never show in logs or reprs."""

    x_bearer_token: SecretStr | None = Field(None, description="the X API bearer token used to read mentions")
    x_api_key: SecretStr | None = Field(None, description="the X app's API key (OAuth 1.0a, to post replies)")
    x_api_secret: SecretStr | None = Field(None, description="the X app's API key secret (OAuth 1.0a)")
    x_access_token: SecretStr | None = Field(None, description="the brand account's access token (OAuth 1.0a)")
    x_access_token_secret: SecretStr | None = Field(
        None, description="the brand account's access token secret (OAuth 1.0a)"
    )
    x_api_url: str = Field("https://api.twitter.com", description="the X API base URL")
    x_brand_handles: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="the brand's X handle(s) whose mentions are complaints, comma-separated"
    )
    x_search_queries: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="X recent-search queries to poll as well, separated by ;"
    )
    x_poll_seconds: float = Field(60.0, gt=0, description="seconds between two polls of X")
    x_dm_link: str = Field(
        "https://x.com/messages/compose", description="the link that opens a DM with the brand, for {dm_link}"
    )
    x_dm_feed: bool = Field(
        True,
        description="read customers' X direct messages (needs the brand's user keys; X bills each DM event read); "
        "off: none",
    )
    x_cost_per_post: float = Field(0.015, ge=0, description="what X charges for one post, in dollars")
    x_cost_per_post_with_url: float = Field(0.20, ge=0, description="what X charges for a post with a URL, in dollars")

    @field_validator("x_brand_handles", mode="before")
    @classmethod
    def _split_x_handles(cls, value: object) -> object:
        if isinstance(value, str):  # a handle's "@" is dropped
            return [part.strip().lstrip("@") for part in value.split(",") if part.strip()]
        return value

    @field_validator("x_search_queries", mode="before")
    @classmethod
    def _split_x_queries(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value

    @field_validator("x_search_queries")
    @classmethod
    def _check_x_queries(cls, value: list[str]) -> list[str]:
        for query in value:
            if len(query) > 512:
                raise ValueError(f"{query[:40]!r}… is longer than X's 512 characters")
        return value

    @field_validator("x_brand_handles")
    @classmethod
    def _check_x_handles(cls, value: list[str]) -> list[str]:
        for handle in value:
            if not handle.replace("_", "").isalnum() or len(handle) > 15:
                raise ValueError(f"{handle!r} is not an X handle (letters, digits and _, at most 15)")
        return value

    @field_validator("x_api_url", "x_dm_link")
    @classmethod
    def _check_x_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
