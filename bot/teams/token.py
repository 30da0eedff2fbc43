"""The bearer token the bot's calls to Teams carry: Microsoft Entra's client-credentials grant for the bot's app id,
kept until shortly before it expires.

MSAL, which the Teams SDK uses for this, accepts only https authorities it can look up with
Microsoft's instance discovery; this grant is one documented form POST, so the same code
reaches Entra in production and a local stand-in in tests (TEAMS_LOGIN_URL).
"""

from __future__ import annotations

import threading
import time

import requests

BOT_SCOPE = "https://api.botframework.com/.default"
EARLY_SECONDS = 300.0  # a token is renewed this long before it expires


class TokenError(RuntimeError):
    """Entra refused the bot's credentials or could not be reached; the message says which."""


class ClientCredentialsToken:
    """A token provider for the Teams SDK (`token=`): called before every outgoing request, so it caches."""

    def __init__(self, login_url: str, tenant_id: str, app_id: str, password: str, *, timeout: float = 10.0) -> None:
        self._url = f"{login_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        self._app_id = app_id
        self._password = password
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None

    def __call__(self, scope: str | list[str] | None = None, tenant_id: str | None = None) -> str:
        """A valid bearer token for the Bot Connector."""
        with self._lock:
            if self._token is not None and time.monotonic() < self._token[1]:
                return self._token[0]
            self._token = self._fetch()
            return self._token[0]

    def _fetch(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._app_id,
            "client_secret": self._password,
            "scope": BOT_SCOPE,
        }
        try:
            answer = requests.post(self._url, data=form, timeout=self._timeout)
        except requests.RequestException as exc:
            raise TokenError(f"Microsoft Entra could not be reached for a token ({exc.__class__.__name__})") from None
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code != 200 or "access_token" not in body:
            why = str(body.get("error_description") or body.get("error") or answer.status_code)[:200]
            raise TokenError(f"Microsoft Entra refused the bot's credentials (TEAMS_APP_ID, TEAMS_APP_PASSWORD): {why}")
        lifetime = float(body.get("expires_in") or 3600)
        return str(body["access_token"]), time.monotonic() + max(30.0, lifetime - EARLY_SECONDS)
