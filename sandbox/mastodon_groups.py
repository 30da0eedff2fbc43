"""Mastodon's grouped notifications (/api/v2/notifications, since 4.3): a page of notifications as groups, with the
accounts and statuses they name listed once beside them. Mentions are never grouped with others: each is a group of
its own, keyed `ungrouped-<id>`. The Link header is the page's own."""

from __future__ import annotations

from typing import Any

from sandbox.server import Response

GROUPABLE = frozenset({"favourite", "follow", "reblog"})


def grouped(page: Response) -> Response:
    """The notifications of `page` (newest first) as Mastodon groups them."""
    groups: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    accounts: dict[str, dict[str, Any]] = {}
    statuses: dict[str, dict[str, Any]] = {}
    for notification in page.body:
        status = notification.get("status")
        key = (
            f"{notification['type']}-{status['id'] if status else ''}"
            if notification["type"] in GROUPABLE
            else f"ungrouped-{notification['id']}"
        )
        accounts.setdefault(notification["account"]["id"], notification["account"])
        if status is not None:
            statuses.setdefault(status["id"], {k: v for k, v in status.items() if k != "text"})
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = {
                "group_key": key, "notifications_count": 0, "type": notification["type"],
                "most_recent_notification_id": notification["id"], "page_min_id": notification["id"],
                "page_max_id": notification["id"], "latest_page_notification_at": notification["created_at"],
                "sample_account_ids": [], "status_id": status["id"] if status else None,
            }  # fmt: skip
            groups.append(group)
        group["notifications_count"] += 1
        group["page_min_id"] = notification["id"]
        if notification["account"]["id"] not in group["sample_account_ids"]:
            group["sample_account_ids"].append(notification["account"]["id"])
    body = {"accounts": list(accounts.values()), "statuses": list(statuses.values()), "notification_groups": groups}
    return Response(page.status, body, page.headers)
