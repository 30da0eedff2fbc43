"""`python -m bot` as a newcomer runs it: one process on the embedded defaults (SQLite, no Redis); clear failures."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import redis
import requests

from bot.slack import action_ids
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from tests.conftest import REDIS_TEST_URL

pytestmark = [pytest.mark.e2e, pytest.mark.alone]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-signing-secret-abcdef"


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "DATABASE_URL", "REDIS_URL", "PORT"))
    }
    return {**keep, "PYTHONPATH": str(ROOT), **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_missing_setting_stops_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "squeaky: SLACK_BOT_TOKEN is not set: the Slack bot token (xoxb-…) cards are posted with. "
        "Set it in the environment or in .env."
    ]


FULL = {
    "SLACK_BOT_TOKEN": "xoxb-set-but-unused",
    "SLACK_SIGNING_SECRET": "set-but-unused",
    "SLACK_CHANNEL": "C0CARE",
    "SLACK_TEAM_ID": "T0SQUEAKY",
    "SLACK_APP_ID": "A0SQUEAKY",
    "REDIS_URL": REDIS_TEST_URL,
    "X_BEARER_TOKEN": "set-but-unused",
    "X_BRAND_HANDLES": "SqueakyAir",
}
NEEDS = {
    "web": ["SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_SIGNING_SECRET", "SLACK_TEAM_ID", "SLACK_APP_ID", "REDIS_URL"],
    "run": ["SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_SIGNING_SECRET", "SLACK_TEAM_ID", "SLACK_APP_ID"],
    "worker": ["SLACK_BOT_TOKEN", "SLACK_CHANNEL", "REDIS_URL"],
    "ingest": ["REDIS_URL", "X_BEARER_TOKEN", "X_BRAND_HANDLES"],
}


@pytest.mark.parametrize(
    ("command", "missing"), [(command, name) for command, names in NEEDS.items() for name in names]
)
def test_each_process_stops_with_one_line_for_each_missing_setting(command: str, missing: str, tmp_path: Path) -> None:
    """Before gunicorn forks, a thread starts or a port opens: one line naming the setting, exit code 2."""
    env = _clean_env(**{k: v for k, v in FULL.items() if k != missing}, DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    done = subprocess.run(  # noqa: S603 - the command is one of the four processes above
        [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"squeaky: {missing} is not set: ") and line.endswith(
        "Set it in the environment or in .env."
    )


@pytest.mark.parametrize("command", ["web", "worker", "run"])
def test_a_ticket_system_without_its_settings_stops_with_one_line(command: str, tmp_path: Path) -> None:
    env = _clean_env(**FULL, TICKET_SYSTEM="zendesk", DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    done = subprocess.run(  # noqa: S603 - the command is one of the three processes above
        [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "squeaky: ZENDESK_SUBDOMAIN is not set: the Zendesk subdomain (yours.zendesk.com) (TICKET_SYSTEM is zendesk)."
        " Set it in the environment or in .env."
    ]


def test_unknown_command_gets_usage(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "No such command 'serve'" in done.stderr


def test_run_serves_polls_and_cards_in_one_process(tmp_path: Path, local_slack: LocalSlack, local_x: LocalX) -> None:
    port = _free_port()
    local_x.add_tweet("maria_k", "@SqueakyAir my flight was cancelled and nobody answers")
    env = _clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'squeaky.db'}",
        SLACK_BOT_TOKEN=local_slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_CHANNEL="C0CARE",
        SLACK_TEAM_ID="T0SQUEAKY",
        SLACK_APP_ID="A0SQUEAKY",
        SLACK_API_URL=f"{local_slack.url}/api/",
        X_BEARER_TOKEN=local_x.bearer_token,
        X_API_URL=local_x.url,
        X_BRAND_HANDLES=local_x.brand,
        X_POLL_SECONDS="0.2",
        PORT=str(port),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    failure: BaseException | None = None
    try:
        [post] = local_slack.wait_for(lambda: local_slack.calls_to("chat.postMessage"), timeout=30)
        assert "my flight was cancelled" in json.dumps(post.params["blocks"])
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"ok": True}
        ts = local_slack.channel_messages("C0CARE")[0]["ts"]
        click = block_action("U0ALICE", "alice", action_ids.CLAIM, "1", "C0CARE", ts)
        assert post_signed(f"http://127.0.0.1:{port}/slack/events", SECRET, click).status_code == 200
        [update] = local_slack.wait_for(lambda: local_slack.calls_to("chat.update"), timeout=10)
        assert "Claimed by <@U0ALICE>" in json.dumps(update.params["blocks"])
        local_x.add_tweet("ann", "@SqueakyAir and my bag too")  # picked up by the next poll
        local_slack.wait_for(lambda: len(local_slack.calls_to("chat.postMessage")) == 2, timeout=30)
    except (AssertionError, TimeoutError) as exc:
        failure = exc
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert failure is None, f"{failure}\n--- squeaky's output ---\n{output}"
    assert process.returncode == 0, output
    assert local_slack.token not in output and local_x.bearer_token not in output


@pytest.mark.parametrize("command", ["web", "run"])
def test_socket_mode_still_serves_the_intake_and_the_health_check(
    command: str, tmp_path: Path, local_slack: LocalSlack, redis_client: redis.Redis
) -> None:
    """Over Socket Mode Slack does not call us, but other networks' posts and the platform's health check do."""
    port = _free_port()
    env = _clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'squeaky.db'}",
        SLACK_BOT_TOKEN=local_slack.token,
        SLACK_APP_TOKEN=local_slack.app_token,
        SLACK_CHANNEL="C0CARE",
        SLACK_TEAM_ID="T0SQUEAKY",
        SLACK_APP_ID="A0SQUEAKY",
        SLACK_API_URL=f"{local_slack.url}/api/",
        INTAKE_TOKEN="intake-token-for-socket-mode",
        PORT=str(port),
    )
    if command == "web":  # a web process on its own shares the stream and the clicks with workers through Redis
        env["REDIS_URL"] = REDIS_TEST_URL
    if command == "web":  # `run` migrates first; `web` expects the release step to have done it
        subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=env, check=True, timeout=60)
    process = subprocess.Popen(  # noqa: S603 - the command is one of the two parameters above
        [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    post = {"source": "instagram", "id": "ig-1", "author": {"id": "u1", "handle": "ann"}, "text": "bag lost"}
    post["created_at"] = "2026-11-22T09:00:00Z"
    failure: BaseException | None = None
    try:
        local_slack.wait_for(lambda: local_slack.socket_mode.connections, timeout=30)  # Slack said hello
        health = _get_when_up(f"{base}/healthz")
        assert health.status_code == 200 and health.json() == {"ok": True}
        headers = {"Authorization": "Bearer intake-token-for-socket-mode"}
        accepted = requests.post(f"{base}/intake", json={"posts": [post]}, headers=headers, timeout=10)
        assert accepted.status_code == 202, accepted.text
        assert requests.post(f"{base}/slack/events", data=b"{}", timeout=5).status_code == 404
        if command == "run":  # one process: the worker cards it
            local_slack.wait_for(lambda: local_slack.calls_to("chat.postMessage"), timeout=30)
    except (AssertionError, TimeoutError, requests.RequestException) as exc:
        failure = exc
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert failure is None, f"{failure}\n--- squeaky's output ---\n{output.decode()}"
    assert process.returncode == 0, output.decode()


def _get_when_up(url: str, seconds: float = 30) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("command", ["web", "worker", "run"])
def test_teams_half_configured_stops_with_one_line(command: str, tmp_path: Path) -> None:
    env = _clean_env(
        TEAMS_APP_ID="00000000-0000-4000-8000-00005ea0b0a7",
        REDIS_URL=REDIS_TEST_URL,
        DATABASE_URL=f"sqlite:///{tmp_path}/s.db",
    )
    done = subprocess.run(  # noqa: S603 - the command is one of the three processes above
        [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "squeaky: TEAMS_APP_PASSWORD is not set: the Teams bot's client secret, for the bearer token its calls to "
        "Teams carry (Teams is on). Set it in the environment or in .env."
    ]


@pytest.mark.parametrize("command", ["web", "worker", "run"])
def test_teams_without_its_tenant_refuses_to_start_with_one_line(command: str, tmp_path: Path) -> None:
    """A bot is reachable from any tenant that installs it: without ours named, Teams does not start at all."""
    env = _clean_env(
        TEAMS_APP_ID="00000000-0000-4000-8000-00005ea0b0a7",
        TEAMS_APP_PASSWORD="set-but-unused",
        REDIS_URL=REDIS_TEST_URL,
        DATABASE_URL=f"sqlite:///{tmp_path}/s.db",
    )
    done = subprocess.run(  # noqa: S603 - the command is one of the three processes above
        [sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "squeaky: TEAMS_TENANT_ID is not set: the Microsoft Entra tenant (directory) id of the care team (Teams is on: "
        "activities from any other tenant are refused). Set it in the environment or in .env."
    ]
    elsewhere = subprocess.run(  # noqa: S603 - the command is one of the three processes above
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path,
        env={**env, "TEAMS_TENANT_ID": "local-tenant", "TEAMS_SERVICE_URL": "https://smba.evil.example/teams/"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    [line] = elsewhere.stderr.strip().splitlines()
    assert elsewhere.returncode == 2 and line.startswith("squeaky: TEAMS_SERVICE_URL is not one of")


def test_the_teams_package_names_the_bot_and_the_host(tmp_path: Path) -> None:
    env = _clean_env(TEAMS_APP_ID="00000000-0000-4000-8000-00005ea0b0a7", PUBLIC_URL="https://care.example.com/x")
    out = tmp_path / "squeaky.zip"
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "bot", "teams-package", "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["manifestVersion"] == "1.24" and manifest["id"] == manifest["bots"][0]["botId"]
    assert manifest["validDomains"] == ["care.example.com"] and "{{" not in json.dumps(manifest)
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert titles == ["stats", "backlog", "vip", "sla", "oncall", "next", "queue", "back", "export", "help"]
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "teams-package"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and missing.stderr.startswith("squeaky: TEAMS_APP_ID is not set")


def test_export_writes_the_cases_as_csv_and_names_a_wrong_queue(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from handlers.domain.complaint import IncomingComplaint
    from handlers.intake.receive import receive
    from handlers.intake.triage import Triage
    from handlers.ports.clock import SystemClock
    from storage.memory.keys import MemoryDedupe
    from storage.sql.engine import make_engine
    from storage.sql.migrate import upgrade
    from storage.sql.unit_of_work import SqlUnitOfWorkFactory

    url = f"sqlite:///{tmp_path / 'squeaky.db'}"
    upgrade(url)
    engine = make_engine(url)
    post = IncomingComplaint(
        "x", "1", "ann", "ann", "Ann", "@SqueakyAir my bag", datetime.now(UTC), author_followers=12
    )
    receive(SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=()), SystemClock(), MemoryDedupe(), Triage(), [post])
    engine.dispose()
    env = _clean_env(DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "export", "7d", "--out", "cases.csv"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote 1 case(s) to cases.csv"
    rows = (tmp_path / "cases.csv").read_text().splitlines()
    assert rows[0].startswith("case,arrived_at,queue") and ",care,standard,other,x,under 1k,new,," in rows[1]
    wrong = subprocess.run(
        [sys.executable, "-m", "bot", "export", "7d", "--queue", "vip"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert wrong.returncode == 2 and wrong.stderr.strip() == "squeaky: there is no queue called 'vip'; there are care."


def test_forget_says_what_it_erases_asks_then_erases(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from handlers.domain.complaint import IncomingComplaint
    from handlers.intake.receive import receive
    from handlers.intake.triage import Triage
    from handlers.ports.clock import SystemClock
    from storage.memory.keys import MemoryDedupe
    from storage.sql.engine import make_engine
    from storage.sql.migrate import upgrade
    from storage.sql.tables import complaints
    from storage.sql.unit_of_work import SqlUnitOfWorkFactory

    url = f"sqlite:///{tmp_path / 'squeaky.db'}"
    upgrade(url)
    engine = make_engine(url)
    post = IncomingComplaint("x", "1", "41", "ann", "Ann", "@SqueakyAir my bag, ref ZX99", datetime.now(UTC))
    receive(SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=()), SystemClock(), MemoryDedupe(), Triage(), [post])
    env = _clean_env(DATABASE_URL=url)
    said_no = subprocess.run(
        [sys.executable, "-m", "bot", "forget", "@ann"],
        cwd=tmp_path, env=env, input="n\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert said_no.returncode == 0, said_no.stderr
    assert "forgetting @ann erases 1 complaint(s), 1 post(s)" in said_no.stdout and "nothing erased" in said_no.stdout
    done = subprocess.run(
        [sys.executable, "-m", "bot", "forget", "@Ann", "--yes"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "erased 1 complaint(s), 1 post(s)" in done.stdout
    with engine.connect() as c:
        assert c.execute(select(complaints.c.author_handle, complaints.c.text)).one() == (
            "erased",
            "[erased at the customer's request]",
        )
    engine.dispose()
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "forget", "ann traveller", "--yes"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "is not a handle" in bad.stderr
