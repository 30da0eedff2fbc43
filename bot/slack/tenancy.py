"""Only our own workspace and app get in: a Bolt middleware that refuses, before any listener runs, every request
(over HTTP, once its signature is checked, or over Socket Mode) whose app is not SLACK_APP_ID or whose workspace is
not SLACK_TEAM_ID (or, installed org-wide on Enterprise Grid, whose organisation is not SLACK_ENTERPRISE_ID).

A distributed app shares its signing secret with every workspace that installs it: the
signature proves only that Slack sent the request, not that it comes from the care team.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import SettingsError
from bot.refusals import RefusalLog, printable

log = logging.getLogger(__name__)
REFUSED = "This app is not available to your workspace."
TOKEN_REFUSED = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")


class WorkspaceGate:
    """Decides, for one request as Bolt parsed it, whether it is ours."""

    def __init__(self, app_id: str, team_id: str | None, enterprise_id: str | None) -> None:
        assert team_id or enterprise_id, "a workspace or an organisation is named (bot.startup_checks)"
        self._app, self._team, self._enterprise = app_id, team_id, enterprise_id
        self._refusals = RefusalLog(log)

    def why_refused(self, app_id: object, team_id: object, enterprise_id: object) -> str | None:
        """Why a request naming these ids is refused (and logged, rate-limited), or None when it is ours."""
        if app_id != self._app:
            self._refusals.refused("a Slack request naming another app", app_id)
            return "another app"
        if self._enterprise is not None and enterprise_id != self._enterprise:
            self._refusals.refused("a Slack request from another Enterprise Grid organisation", enterprise_id)
            return "another organisation"
        if self._team is not None and team_id != self._team and (self._enterprise is None or team_id is not None):
            self._refusals.refused("a Slack request from another workspace", team_id)
            return "another workspace"
        return None

    def middleware(self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Bolt middleware: our requests go on to the listeners, anyone else's get 403 and nothing else."""
        body = req.body if isinstance(req.body, dict) else {}
        view = body.get("view")
        app_id = body.get("api_app_id") or (view.get("app_id") if isinstance(view, dict) else None)
        if self.why_refused(app_id, req.context.team_id, req.context.enterprise_id) is None:
            return next()
        return BoltResponse(status=403, body=REFUSED)


def check_installation(client: WebClient, team_id: str | None, enterprise_id: str | None) -> bool:
    """Say loudly (and return False) when the bot token belongs to another workspace or organisation than the
    settings name: every request from the care team would then be refused. A token Slack refuses stops the process
    (SettingsError); Slack unreachable or failing is only said: the process serves once Slack is back."""
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "")
        if code in TOKEN_REFUSED:
            raise SettingsError(
                f"SLACK_BOT_TOKEN is refused by Slack ({code}): set it to the app's Bot User OAuth Token (xoxb-…)."
            ) from None
        log.warning("could not ask Slack which workspace the bot token belongs to: %s", code or "SlackApiError")
        return True
    except (SlackClientError, OSError) as exc:
        log.warning("could not ask Slack which workspace the bot token belongs to: %s", exc.__class__.__name__)
        return True
    if answer.get("is_enterprise_install"):
        theirs, ours, name = answer.get("enterprise_id"), enterprise_id, "SLACK_ENTERPRISE_ID"
    else:
        theirs, ours, name = answer.get("team_id"), team_id, "SLACK_TEAM_ID"
    if ours is None or not theirs or theirs == ours:
        return True
    log.error(
        "%s is %s, but SLACK_BOT_TOKEN belongs to %s: every request from the care team will be refused. Set %s to %s.",
        name,
        ours,
        printable(theirs),
        name,
        printable(theirs),
    )
    return False
