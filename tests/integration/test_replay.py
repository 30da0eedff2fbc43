"""Replay of twcs CSV and JSONL files into the real databases: quirks survived, bad rows reported, pace kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_core
from bot.config import Settings
from bot.replay import ReplayError, replay
from bot.wiring import Core
from storage.sql.tables import complaints, messages
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.integration

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
QUIRKY = (
    HEADER
    + '1,AirlineCare,False,Tue Oct 31 22:15:00 +0000 2017,@1001 So sorry &amp; please DM us,"2,3",10.0\n'
    + "10,1001,True,Tue Oct 31 22:10:00 +0000 2017,@AirlineCare my bag is lost,1,\n"
    + '2,1001,True,Tue Oct 31 22:20:00 +0000 2017,"@AirlineCare done.\nSent you\rthe ref",,1.0\n'
    + "3,1002,True,Tue Oct 31 22:30:00 +0000 2017,@AirlineCare refund please,,\n"
    + "4,1003,True,yesterday at noon,@AirlineCare broken date,,\n"
    + "5,1004,True,Tue Oct 31 22:40:00 +0000 2017,@AirlineCare hi,,abc\n"
)


@pytest.fixture
def core(db_url: str) -> Core:
    return build_core(Settings(_env_file=None, database_url=db_url))


def test_twcs_quirks_are_read_and_bad_rows_reported_by_line(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "quirky.csv"
    path.write_text(QUIRKY, encoding="utf-8")
    report = replay(core, path, speed=0, direct=True)
    assert report.posts == 4
    assert [(u.line, u.reason.split(" ")[0]) for u in report.unreadable] == [
        (8, "created_at"),  # the multi-line row above takes lines 4-6
        (9, "in_response_to_tweet_id"),
    ]
    stored = report.stored
    assert stored is not None
    assert (len(stored.opened), stored.threaded, stored.brand_replies) == (2, 1, 1)
    with core.engine.connect() as connection:
        texts = dict(connection.execute(select(messages.c.external_id, messages.c.text)).all())
        notes = dict(connection.execute(select(messages.c.external_id, messages.c.note)).all())
        follow_ups = connection.execute(
            select(complaints.c.followup_count).where(complaints.c.external_id == "10")
        ).scalar()
    assert texts["1"] == "@1001 So sorry & please DM us"  # HTML entities undone once
    assert texts["2"] == "@AirlineCare done.\nSent you\rthe ref"  # the multi-line text with its bare CR, intact
    assert notes["2"] == "reply in the thread" and follow_ups == 1  # a reply to our reply joins the case
    assert "replayed 4" not in report.summary() and "line 8: created_at" in report.summary()
    again = replay(core, path, speed=0, direct=True)
    assert again.stored is not None and (again.stored.opened, again.stored.duplicates) == ([], 4)


def test_jsonl_lines_that_are_not_posts_are_reported(core: Core, tmp_path: Path) -> None:
    good = {
        "source": "instagram",
        "id": "ig-1",
        "author": {"id": "u1", "handle": "maria.k"},
        "text": "my bag!",
        "created_at": "2026-11-22T09:00:00Z",
    }
    lines = [json.dumps(good), "", "{not json", json.dumps({**good, "id": "ig-2", "created_at": "2026-11-22T09:00:00"})]
    lines.append(json.dumps({**good, "id": "ig-3", "source": "x"}))
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = replay(core, path, speed=0, direct=True)
    assert report.posts == 1 and report.stored is not None and len(report.stored.opened) == 1
    reasons = {u.line: u.reason for u in report.unreadable}
    assert reasons[3].startswith("not JSON") and "time zone" in reasons[4] and "reserved" in reasons[5]


def test_replay_keeps_the_pace(core: Core, tmp_path: Path) -> None:
    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    rows = [
        {"source": "webchat", "id": str(n), "author": {"id": "a", "handle": f"c{n}"}, "text": "hi",
         "created_at": (start + timedelta(seconds=60 * n)).isoformat()}
        for n in range(3)
    ]  # fmt: skip
    path = tmp_path / "paced.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    sent: list[int] = []
    replay(core, path, speed=60, direct=True, sleep=sleep, monotonic=lambda: now[0], progress=sent.append)
    assert slept == [1.0, 1.0]  # a minute of the file per second
    assert sent == [1, 2, 3]


def test_unknown_format_and_missing_file(core: Core, tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="does not exist"):
        replay(core, tmp_path / "nope.csv", speed=0, direct=True)
    (tmp_path / "posts.txt").write_text("hello")
    with pytest.raises(ReplayError, match="twcs CSV"):
        replay(core, tmp_path / "posts.txt", speed=0, direct=True)


def test_the_real_twcs_file(core: Core) -> None:
    report = replay(core, SHARED_DATA / "twcs_dev.csv", speed=0, direct=True)
    assert report.posts == 2999
    [unreadable] = report.unreadable  # the file has a second, empty row for tweet 3398
    with (SHARED_DATA / "twcs_dev.csv").open(newline="", encoding="utf-8") as raw:
        lines = list(raw)
    assert lines[unreadable.line - 1].startswith("3398,,,") and unreadable.reason == "author_id is empty"
    stored = report.stored
    assert stored is not None
    filtered_customers = sum(n for rule, n in stored.filtered.items() if rule != "own post")
    assert len(stored.opened) + stored.threaded + filtered_customers == 1646  # every customer tweet accounted for
    assert stored.brand_replies + stored.filtered.get("own post", 0) == 1353  # every brand tweet too
    assert stored.threaded > 600  # the 44% who write more than once land on their case
    with core.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(messages)).scalar() == 2999
