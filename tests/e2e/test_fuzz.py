"""Property-based fuzzing (hypothesis) of everything that comes from outside: interaction payloads, slash command
bodies and HTTP intake bodies through the real app, and X API v2 tweets through the normalizer. Never a 500, never a
crash, never a partial write.

CI runs a few hundred examples of each; `make fuzz` runs 10,000 (SQUEAKY_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.bootstrap import STREAM, x_read_client
from bot.ingest import poll_once
from bot.slack import action_ids
from bot.x.normalize import normalize_tweet
from handlers.domain.complaint import IncomingComplaint
from sandbox.interactions import block_action, post_command, post_signed, slash_command
from sandbox.slack_api import LocalSlack
from sandbox.teams_activities import CHANNEL as TEAMS_CHANNEL
from sandbox.teams_activities import TeamsPerson
from storage.sql.tables import audit_events, complaints, sla_policies, team_settings
from tests.conftest import REDIS_TEST_URL
from tests.e2e.conftest import CHANNEL, INTAKE_TOKEN, SIGNING_SECRET, Running, Start, teams_settings
from tests.e2e.test_teams import arrive, complaint_of
from tests.lead_words import USAGE, argument, command_lines

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("SQUEAKY_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="SQUEAKY_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples each run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Names Bolt reads from any request body as objects before a listener runs (a slash command's fields are all text).
BOLT_READS = ["event", "user", "team", "channel", "actions", "view", "type", "container", "message", "enterprise"]
ACTION_IDS = [*action_ids.ACTION_BY_ID, action_ids.MORE, "unknown_action", ""]


def _mutated(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A payload like Slack's with some keys removed or replaced by any JSON, at the top or inside."""
    payload = json.loads(json.dumps(base))
    for _ in range(data.draw(st.integers(0, 4))):
        target = payload
        path = data.draw(st.sampled_from([[], ["user"], ["container"], ["actions", 0], ["actions"]]))
        for step in path:
            target = target[step] if isinstance(target, dict | list) and _has(target, step) else target
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target)))
            if data.draw(st.booleans()):
                del target[key]
            else:
                target[key] = data.draw(json_values)
    return payload


def _has(target: Any, step: Any) -> bool:
    return (isinstance(target, dict) and step in target) or (isinstance(target, list) and len(target) > step)


def _consistent(squeaky: Running) -> None:
    """No partial write: each complaint's version counts exactly the audited changes it went through."""
    with squeaky.services.engine.connect() as connection:
        for complaint_id, version in connection.execute(select(complaints.c.id, complaints.c.version)):
            changes = connection.execute(
                select(func.count()).where(
                    audit_events.c.complaint_id == complaint_id, audit_events.c.to_status.is_not(None)
                )
            ).scalar()
            assert version == 1 + (changes or 0), f"complaint {complaint_id}: version {version}, {changes} changes"


def _a_card(squeaky: Running) -> tuple[str, str]:
    squeaky.x.add_tweet("maria_k", "@SqueakyAir my bag never arrived")
    poll_once(squeaky.services, x_read_client(squeaky.settings))
    card = squeaky.slack.wait_for(lambda: squeaky.slack.channel_messages(CHANNEL) or squeaky.work())[-1]
    return "1", str(card["ts"])


def test_malformed_interaction_payloads_never_500_nor_half_write(squeaky: Running) -> None:
    complaint_id, ts = _a_card(squeaky)

    @FUZZ
    @given(data=st.data(), action=st.sampled_from(ACTION_IDS), raw=st.booleans())
    def check(data: st.DataObject, action: str, raw: bool) -> None:
        if raw:
            payload: Any = data.draw(json_values)
        else:
            base = block_action("U0FUZZ", "fuzz", action, f"{action}:{complaint_id}", CHANNEL, ts)
            payload = _mutated(base, data)
        response = post_signed(
            squeaky.events_url, SIGNING_SECRET, payload if isinstance(payload, dict) else {"x": payload}
        )
        assert response.status_code < 500, response.text

    check()
    _consistent(squeaky)


def test_slash_command_bodies_never_500_and_change_nothing_for_non_leads(squeaky: Running) -> None:
    @FUZZ
    @given(
        text=st.text(max_size=200),
        drop=st.lists(st.sampled_from(["user_id", "text", "channel_id", "response_url", "command"]), max_size=3),
        extra=st.dictionaries(
            st.sampled_from(BOLT_READS) | st.text(min_size=1, max_size=10), st.text(max_size=30), max_size=3
        ),
    )
    def check(text: str, drop: list[str], extra: dict[str, str]) -> None:
        fields = {**slash_command("U0FUZZ", "fuzz", text, CHANNEL, squeaky.slack.response_url()), **extra}
        for name in drop:
            fields.pop(name, None)
        response = post_command(squeaky.events_url, SIGNING_SECRET, fields)
        assert response.status_code < 500, response.text
        if response.text:
            json.loads(response.text)  # an answer Slack can show

    check()
    with squeaky.services.engine.connect() as connection:  # nobody here leads: no setting changed
        assert connection.execute(select(func.count()).select_from(sla_policies)).scalar() == 0
        roster = select(func.count()).where(team_settings.c.name == "oncall.roster")  # (spike memory lives there too)
        assert connection.execute(roster).scalar() == 0


def test_every_lead_command_with_any_arguments_never_500(start_squeaky: Start, local_slack: LocalSlack) -> None:
    """As a lead, every subcommand (stats, export and backlog on the real database too), with dates at the calendar's
    ends, huge numbers, digits of other scripts and unknown words: an answer Slack can show, never a 500."""
    local_slack.usergroups.update({"S0LEADS": ["U0LEA"], "S0AGENTS": ["U0LEA"]})
    squeaky = start_squeaky(slack_leads_group="S0LEADS", slack_agents_group="S0AGENTS")
    _a_card(squeaky)

    @FUZZ
    @given(line=command_lines(tuple(USAGE)) | st.lists(argument, max_size=6).map(" ".join))
    def check(line: str) -> None:
        fields = slash_command("U0LEA", "lea", line, CHANNEL, squeaky.slack.response_url())
        response = post_command(squeaky.events_url, SIGNING_SECRET, fields)
        assert response.status_code < 500, (line, response.text)
        json.loads(response.text)  # an answer Slack can show

    check()
    for extreme in (
        "export 1900-01-01..9999-12-31",
        "stats 1900-01-01..9999-12-31",
        "stats fairness 9999-12-31..9999-12-31",
    ):
        response = post_command(squeaky.events_url, SIGNING_SECRET, slash_command("U0LEA", "lea", extreme, CHANNEL, ""))
        assert response.status_code == 200 and "Sorry: " in response.json()["text"], response.text
    _consistent(squeaky)


post_fields = st.fixed_dictionaries(
    {},
    optional={
        "source": st.text(max_size=20) | json_values,
        "id": st.text(max_size=20) | json_values,
        "author": st.text(max_size=20) | json_values,
        "text": st.text(max_size=300) | json_values,
        "created_at": st.sampled_from(["2026-11-22T09:00:00Z", "2026-11-22T09:00:00", "yesterday", ""]) | json_values,
    },
)


def test_intake_bodies_never_500_and_are_all_or_nothing(start_squeaky: Start) -> None:
    squeaky = start_squeaky(intake_requests_per_minute=1_000_000)  # every example reaches the parser, unpaced
    url = f"{squeaky.url}/intake"
    stream = redis.Redis.from_url(REDIS_TEST_URL)

    @FUZZ
    @given(
        body=st.one_of(
            st.binary(max_size=300),
            json_values.map(lambda v: json.dumps(v).encode()),
            st.lists(post_fields, max_size=5).map(lambda posts: json.dumps({"posts": posts}).encode()),
        )
    )
    def check(body: bytes) -> None:
        before = stream.xlen(STREAM)
        response = requests.post(
            url,
            data=body,
            headers={"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code < 500, response.text
        answer = response.json()
        assert isinstance(answer, dict)
        if response.status_code == 202:
            assert answer["accepted"] == len(json.loads(body)["posts"])
        else:
            assert stream.xlen(STREAM) == before  # nothing of a refused body reaches the stream

    check()


def test_any_tweet_shape_normalizes_or_is_skipped_never_crashes() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)

    @FUZZ
    @given(tweet=json_values, users=st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    def check(tweet: Any, users: dict[str, Any]) -> None:
        complaint = normalize_tweet(tweet, users, ["SqueakyAir"], now, included_tweets={}, brand_ids=[])
        assert isinstance(complaint, IncomingComplaint)
        assert complaint.created_at.tzinfo is not None  # storable: a naive time would be refused
        assert isinstance(complaint.text, str) and isinstance(complaint.external_id, str)

    check()


TEAMS_PATHS: list[list[Any]] = [
    [], ["from"], ["conversation"], ["channelData"], ["value"], ["value", "action"], ["value", "action", "data"],
    ["value", "data"], ["entities", 0],
]  # fmt: skip


def _mutated_activity(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """An activity like Teams' with some keys removed or replaced by any JSON, at the top or inside."""
    activity = json.loads(json.dumps(base))
    for _ in range(data.draw(st.integers(1, 4))):
        target = activity
        for step in data.draw(st.sampled_from(TEAMS_PATHS)):
            inside = (isinstance(target, dict) and step in target) or (
                isinstance(target, list) and isinstance(step, int) and len(target) > step
            )
            target = target[step] if inside else target
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target)))
            if data.draw(st.booleans()):
                del target[key]
            else:
                target[key] = data.draw(json_values)
    return activity


def test_teams_activities_with_a_valid_token_never_500_nor_half_write(start_squeaky: Start, local_teams: Any) -> None:
    squeaky = start_squeaky(**teams_settings(local_teams, oncall_user=None))
    teams = squeaky.teams_client
    assert squeaky.teams is not None
    card = arrive(squeaky)
    complaint_id = complaint_of(card)
    person = TeamsPerson.named("Fuzz")
    conversation = f"{TEAMS_CHANNEL};messageid={card['id']}"

    def invoke(name: str, value: Any) -> dict[str, Any]:
        return teams.activity(person, "invoke", conversation=conversation, name=name, value=value, replyToId=card["id"])

    execute = {"type": "Action.Execute", "data": {"complaint_id": complaint_id}}
    dialog = {"dialog_id": "acknowledge", "complaint_id": complaint_id, "step": "send", "text": "hello"}
    bases = [
        *(invoke("adaptiveCard/action", {"action": {**execute, "verb": verb}}) for verb in ("claim", "close", "nope")),
        invoke("task/fetch", {"data": {**dialog, "msteams": {"type": "task/fetch"}}}),
        invoke("task/submit", {"data": dialog}),
        teams.activity(person, "message", text="<at>Squeaky</at> backlog", entities=[{"type": "mention"}]),
    ]

    @FUZZ
    @given(data=st.data(), base=st.sampled_from(bases))
    def check(data: st.DataObject, base: dict[str, Any]) -> None:
        body = json.dumps(_mutated_activity(base, data))  # as Python writes it: Infinity and NaN included
        headers = {"Authorization": f"Bearer {squeaky.teams.mint()}", "Content-Type": "application/json"}
        response = requests.post(teams.endpoint, data=body, headers=headers, timeout=30)
        assert response.status_code < 500, response.text

    check()
    _consistent(squeaky)
