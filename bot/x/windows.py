"""X's own count of each window, read off every answer it gives: the pacer holds a lane back before X would refuse,
however much of our own count a Redis restart lost."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy

from bot.pacing import LANES, Lane, Pacer, left_from

log = logging.getLogger(__name__)

_HEEDED = "squeaky_heeds_windows"  # marks a session whose answers are already read


def lane_of(method: str, path: str) -> Lane | None:
    """The lane an X request spends: its endpoint's window (None for one Squeaky does not pace)."""
    if path.startswith(("/2/dm_conversations", "/2/dm_events")):
        return LANES["x.dm"] if method == "POST" else LANES["x.dm_read"]
    if method == "POST" and path == "/2/tweets":
        return LANES["x.post"]
    if path.endswith("/mentions"):
        return LANES["x.mentions"]
    if path.startswith("/2/tweets/search"):
        return LANES["x.search"]
    return None


def heed_windows(client: tweepy.Client, pacer: Pacer) -> None:
    """Read X's `x-rate-limit-remaining` and `x-rate-limit-reset` off every answer the client gets, and let the pacer
    hold that endpoint's lane back when X's window runs short (once per client)."""
    session = client.session
    if getattr(session, _HEEDED, False):
        return

    def heed(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        lane = lane_of(response.request.method or "GET", urlsplit(response.url).path)
        left = left_from(response.headers)
        if lane is None or left is None:
            return
        try:
            pacer.heed(lane, "", *left)
        except Exception as exc:  # our shared store is away: X's answer still counts, the next one teaches again
            log.debug("cannot note X's window for %s: %s", lane.key, exc)

    session.hooks["response"].append(heed)
    setattr(session, _HEEDED, True)
