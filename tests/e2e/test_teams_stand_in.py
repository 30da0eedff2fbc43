"""The local Teams answers as Teams does: the Teams SDK's own token validator accepts what it mints and refuses each
forgery; its Bot Connector checks the bearer, keeps activities, and holds a conversation to Teams' limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.apps.auth.token_validator import TokenValidator

from sandbox.teams_api import LocalTeams

pytestmark = pytest.mark.e2e


@pytest.fixture
def teams() -> Iterator[LocalTeams]:
    local = LocalTeams()
    local.start()
    yield local
    local.stop()


def _validate(teams: LocalTeams, token: str, service_url: str | None = None) -> dict[str, Any]:
    cloud = with_overrides(PUBLIC, openid_metadata_url=teams.openid_metadata_url)
    validator = TokenValidator.for_service(teams.app_id, cloud=cloud)
    return asyncio.run(validator.validate_token(token, service_url=service_url or teams.service_url))


def test_the_sdks_validator_accepts_a_minted_token_and_refuses_every_forgery(teams: LocalTeams) -> None:
    claims = _validate(teams, teams.mint())
    assert claims["aud"] == teams.app_id and claims["serviceurl"] == teams.service_url
    forgeries = {
        "a foreign key": teams.mint(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "a wrong audience": teams.mint(aud="someone-elses-bot"),
        "an expired token": teams.mint(exp=int(time.time()) - 600),
        "another issuer": teams.mint(iss="https://evil.example"),
    }
    for what, token in forgeries.items():
        with pytest.raises(jwt.InvalidTokenError):
            _validate(teams, token)
            pytest.fail(f"{what} was accepted")
    with pytest.raises(jwt.InvalidTokenError, match="Service URL mismatch"):
        _validate(teams, teams.mint(), service_url="https://smba.evil.example/")


def _bearer(teams: LocalTeams) -> str:
    answer = requests.post(
        teams.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": teams.app_id,
            "client_secret": teams.client_secret,
            "scope": "https://api.botframework.com/.default",
        },
        timeout=5,
    )
    assert answer.status_code == 200
    return str(answer.json()["access_token"])


def test_the_connector_wants_the_bearer_keeps_activities_and_holds_a_conversation_to_its_limits(
    teams: LocalTeams,
) -> None:
    wrong = requests.post(teams.token_url, data={"client_id": teams.app_id, "client_secret": "nope"}, timeout=5)
    assert wrong.status_code == 401
    base, conversation = teams.url, "19:care@thread.tacv2"
    send = f"{base}/v3/conversations/{conversation}/activities"
    assert requests.post(send, json={"type": "message", "text": "hi"}, timeout=5).status_code == 401
    headers = {"Authorization": f"Bearer {_bearer(teams)}"}
    posted = requests.post(send, json={"type": "message", "text": "card"}, headers=headers, timeout=5)
    assert posted.status_code == 201
    activity_id = posted.json()["id"]
    update = requests.put(
        f"{send}/{activity_id}", json={"type": "message", "text": "claimed"}, headers=headers, timeout=5
    )
    assert update.status_code == 200 and teams.activities[(conversation, activity_id)]["text"] == "claimed"
    missing = requests.put(f"{send}/nope", json={"type": "message"}, headers=headers, timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ActivityNotFoundInConversation"
    answers = [requests.post(send, json={"type": "message"}, headers=headers, timeout=5) for _ in range(8)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and 0 < float(limited[0].headers["Retry-After"]) <= 2.0  # 7 a second, 8 in 2 s
    other = requests.post(
        f"{base}/v3/conversations/a:dm/activities", json={"type": "message"}, headers=headers, timeout=5
    )
    assert other.status_code == 201  # another conversation has its own budget


def test_the_tenant_holds_the_bot_to_about_fifty_operations_a_second(teams: LocalTeams) -> None:
    headers = {"Authorization": f"Bearer {_bearer(teams)}"}

    def post(n: int) -> int:
        send = f"{teams.url}/v3/conversations/19:c{n % 10}@thread.tacv2/activities"
        return requests.post(send, json={"type": "message"}, headers=headers, timeout=5).status_code

    teams.clock = lambda: 1000.0  # every call in the same instant
    statuses = [post(n) for n in range(60)]  # 6 in each of 10 conversations: within each conversation's windows
    assert statuses.count(201) == 50 and statuses[50:] == [429] * 10
    assert {scope for scope, _, _ in teams.refusals} == {"tenant"}
