"""Turn Mastodon statuses (as Mastodon.py returns them) into the core's IncomingComplaint."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from bot.post_times import parse_time
from handlers.domain.complaint import IncomingComplaint

SOURCE = "mastodon"
PUBLIC_VISIBILITIES = frozenset({"public", "unlisted"})  # a public reply goes no wider than the post did
_HANDLE = re.compile(r"([A-Za-z0-9_]{1,30})@([A-Za-z0-9.-]{1,253})\Z")


class _PlainText(HTMLParser):
    """A status's HTML as the words a reader sees: tags dropped (links and mentions become their text), line and
    paragraph breaks kept, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str) -> str:
    """The status's text without its HTML: no tag, attribute or link of the sender's reaches a card."""
    parser = _PlainText()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()


def full_handle(account: Any, home: str) -> str:
    """`user@instance` for every account or mention: Mastodon gives local ones as a bare `user`, whose instance is
    the host of their profile's address (else `home`)."""
    acct = str(account["acct"])
    if "@" in acct:
        return acct
    host = urlsplit(str(account.get("url") or "")).hostname
    return f"{acct}@{host or home}"


def profile_url(handle: str, url: str | None = None) -> str | None:
    """The account's page: `url` as its instance gave it (an https address), else https://<handle's domain>/@user."""
    given = _safe_url(url)
    if given is not None:
        return given
    match = _HANDLE.match(handle)
    return f"https://{match.group(2)}/@{match.group(1)}" if match else None


def _safe_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    return value if parts.scheme == "https" and parts.netloc else None


def normalize_status(
    status: Any, *, home: str, brand_acct: str, now: datetime, mention: bool = False, remote: bool = False
) -> IncomingComplaint:
    """One status read on the instance `home` as a complaint (`mention`: it came as a notification to us;
    `brand_acct`: our account's full handle; `remote`: `home` is not the brand's instance, so its ids are kept as
    `host:id`, and a reply finds the post on ours by its address)."""
    ids = (lambda value: f"{home}:{value}") if remote else str
    account = status["account"]
    handle = full_handle(account, home)
    brand = brand_acct.lower()
    mentioned = {full_handle(m, home).lower() for m in status.get("mentions") or []}
    parent = status.get("in_reply_to_id")
    parent_account = status.get("in_reply_to_account_id")
    return IncomingComplaint(
        source=SOURCE,
        external_id=ids(status["id"]),
        author_id=str(account["id"]),
        author_handle=handle,
        author_name=str(account.get("display_name") or account["username"]),
        text=plain_text(str(status.get("content") or "")),
        created_at=parse_time(status.get("created_at"), now),
        url=_safe_url(status.get("url")),
        in_reply_to_id=ids(parent) if parent is not None else None,
        mentions_us=mention or brand in mentioned,
        replies_to_other_user=parent_account is not None and str(parent_account) != str(account["id"]) and not mention,
        visibility=str(status.get("visibility") or "public"),
        from_brand=handle.lower() == brand,
        author_followers=account.get("followers_count") if isinstance(account.get("followers_count"), int) else None,
        author_url=_safe_url(account.get("url")),
    )
