"""The private side of the local networks, for the sandbox page: each conversation the brand holds away from the
public timeline (X direct messages, Bluesky chats, Mastodon direct posts), its messages oldest first and ours marked,
shown beside the public threads, the newest conversation first."""

from __future__ import annotations

from typing import Any

from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.x_api import LocalX

Line = tuple[str, str, str, bool, str]  # (conversation, with whom, who said it, ours, what)


def _conversations(lines: list[Line]) -> list[dict[str, Any]]:
    """Lines (oldest first) grouped by conversation, the one with the newest line first."""
    by_id: dict[str, dict[str, Any]] = {}
    for conversation, other, author, ours, text in lines:
        shown = by_id.pop(conversation, None) or {"id": conversation, "with": other, "messages": []}
        shown["messages"].append({"author": author, "ours": ours, "text": text})
        by_id[conversation] = shown  # popped and put back: the newest conversation ends last
    return list(by_id.values())[::-1]


def x_conversations(x: LocalX) -> list[dict[str, Any]]:
    """The brand's direct message conversations on the local X."""
    with x.lock:
        users = {uid: u["username"] for uid, u in x.users.items()}
        events = list(x.dms.events)
    brand = x.dms.brand_id
    lines: list[Line] = []
    for event in events:  # in the order they happened
        conversation = str(event["dm_conversation_id"])
        other = next((u for u in conversation.split("-") if u != brand), brand)
        sender = str(event["sender_id"])
        lines.append((conversation, users.get(other, "?"), users.get(sender, "?"), sender == brand, event["text"]))
    return _conversations(lines)


def bluesky_conversations(bluesky: LocalBluesky | None) -> list[dict[str, Any]]:
    """The brand's chats on the local Bluesky."""
    if bluesky is None:
        return []
    with bluesky.lock:
        handles = {did: a["handle"] for did, a in bluesky.accounts.items()}
        convos = {cid: list(c["members"]) for cid, c in bluesky.chat.convos.items()}
        messages = sorted(bluesky.chat.messages, key=lambda m: m["sentAt"])
    brand = bluesky.chat.brand_did
    lines: list[Line] = []
    for message in messages:
        convo = str(message["convoId"])
        other = next((d for d in convos.get(convo, []) if d != brand), brand)
        sender = str(message["sender"]["did"])
        lines.append((convo, handles.get(other, other), handles.get(sender, sender), sender == brand, message["text"]))
    return _conversations(lines)


def mastodon_conversations(mastodon: LocalMastodon | None) -> list[dict[str, Any]]:
    """The brand's direct posts on the local Mastodon, by the customer they are between it and."""
    if mastodon is None:
        return []
    with mastodon.lock:
        direct = sorted(
            (s for s in mastodon.statuses.values() if s["visibility"] == "direct"), key=lambda s: int(s["id"])
        )
    brand = mastodon.brand.lower()
    lines: list[Line] = []
    for status in direct:
        author = str(status["account"]["acct"])
        ours = author.lower() == brand
        mentioned = [str(m["acct"]) for m in status.get("mentions", []) if str(m["acct"]).lower() != brand]
        other = (mentioned[0] if mentioned else author) if ours else author
        lines.append((other.lower(), other, author, ours, str(status["text"])))
    return _conversations(lines)


def private_side(x: LocalX, bluesky: LocalBluesky | None, mastodon: LocalMastodon | None) -> dict[str, Any]:
    """Each network's private conversations, for the page."""
    return {
        "x": x_conversations(x),
        "bluesky": bluesky_conversations(bluesky),
        "mastodon": mastodon_conversations(mastodon),
    }
