"""PagerDuty Events API v2: trigger, acknowledge and resolve alerts by dedup key (one incident per key)."""

from __future__ import annotations

from typing import Any

import requests

from bot.pacing import wait_from
from handlers.ports.gateways import DeliveryFailed

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


def refusal(response: requests.Response) -> str:
    """Why PagerDuty refused an event, in one short line: its documented JSON (message, errors), or the start of
    whatever else it answered."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        errors = data.get("errors")
        text = "; ".join([data["message"], *(map(str, errors) if isinstance(errors, list) else [])])
    else:
        text = response.text
    return " ".join("".join(c if c.isprintable() else " " for c in text[:1000]).split())[:200]


class PagerDutyPager:
    """Sends events to one PagerDuty service (its integration's routing key)."""

    def __init__(self, routing_key: str, url: str = EVENTS_URL, timeout: float = 10) -> None:
        self._routing_key = routing_key
        self._url = url
        self._timeout = timeout

    def _send(self, action: str, key: str, extra: dict[str, Any]) -> None:
        body = {"routing_key": self._routing_key, "event_action": action, "dedup_key": key, **extra}
        try:
            response = requests.post(self._url, json=body, timeout=self._timeout)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"PagerDuty unreachable: {exc.__class__.__name__}", outage=True) from None
        if response.status_code == 429:
            raise DeliveryFailed(
                "PagerDuty rate limited", retry_after=wait_from(response.headers, fallback=30.0), throttled=True
            )
        if response.status_code >= 500:
            raise DeliveryFailed(f"PagerDuty answered {response.status_code}", outage=True)
        if response.status_code >= 400:
            raise DeliveryFailed(f"PagerDuty refused the event: {refusal(response)}", permanent=True)

    def trigger(self, key: str, summary: str, user: str | None, link: str | None) -> None:
        """Open (or add to) the incident `key`; PagerDuty's own schedule decides who is woken."""
        payload = {"summary": summary[:1024], "source": "squeaky", "severity": "error", "component": "social care"}
        extra: dict[str, Any] = {"payload": payload}
        if link:
            extra["links"] = [{"href": link, "text": "Open in Slack"}]
        self._send("trigger", key, extra)

    def acknowledge(self, key: str) -> None:
        """Someone took it on."""
        self._send("acknowledge", key, {})

    def resolve(self, key: str) -> None:
        """It is dealt with."""
        self._send("resolve", key, {})
