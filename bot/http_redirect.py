"""A requests transport adapter that sends a client library's fixed host to a configurable base URL, with a timeout."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter


class BaseUrlAdapter(HTTPAdapter):
    """Rewrites requests for `host` to `base_url` (a local server in tests), and never waits forever."""

    def __init__(self, host: str, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self._host = host.rstrip("/")
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Rewrite the host, add the timeout, send; the answer shows the client its own host again."""
        original = request.url
        if original and original.startswith(self._host):
            request.url = self._base_url + original[len(self._host) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        response = super().send(request, **kwargs)
        if original:
            request.url = original  # some clients check which host answered (zenpy does)
            response.url = original
        return response
