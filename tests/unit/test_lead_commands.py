"""The team command: parsing, help for every bad input, who may change what, and the settings it changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.domain.complaint import Actor, Role
from handlers.domain.people import Identity
from handlers.domain.rich_text import Line, Mention
from handlers.domain.sla import SlaPolicy
from handlers.ports.clock import ManualClock
from handlers.team.command_answers import LeadDesk
from handlers.team.command_words import Backlog, CommandError, Help, OnCall, Sla, Stats, Vip, parse
from tests.fakes import FakeDatabase

T0 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday
AGENT = Actor("U0MARIA", "maria", "slack")
LEAD = Actor("U0LEA", "lea", "slack", frozenset({Role.AGENT, Role.LEAD}))
OUTSIDER = Actor("U0EVE", "eve", "slack", frozenset())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help stats", Help("stats")),
        ("stats", Stats()),
        ("stats 7d by agent public", Stats("7d", "agent", True)),
        ("stats by TIER 2026-11-01..2026-11-07", Stats("2026-11-01..2026-11-07", "tier")),
        ("backlog", Backlog()),
        ("vip add @jane_doe", Vip("add", "jane_doe", "vip")),
        ("vip add jane elite", Vip("add", "jane", "elite")),
        ("vip remove @jane", Vip("remove", "jane")),
        ("vip add bsky:@Ann.bsky.social gold", Vip("add", "bsky:ann.bsky.social", "gold")),
        ("vip add mastodon:@ann@mastodon.social", Vip("add", "mastodon:ann@mastodon.social", "vip")),
        ("vip import @a,vip; b,elite", Vip("import", rows="@a,vip\n b,elite")),
        ("sla", Sla("show")),
        ("sla set VIP 5 15", Sla("set", "vip", 5, 15)),
        ("sla page elite on", Sla("page", "elite", page=True)),
        ("oncall set @U0LI", OnCall("set", ("U0LI",))),
        (
            "oncall rotation @U1 @U2 @U3 weekly at 09:00 on monday",
            OnCall("rotation", ("U1", "U2", "U3"), "weekly", 9, 0),
        ),
    ],
)
def test_commands_parse(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "subcommand", "reason"),
    [
        ("dance", None, '"dance" is not a subcommand'),
        ("stauts today", None, '"stauts" is not a subcommand. Did you mean stats?'),
        ("bakclog", None, "Did you mean backlog?"),
        ("stats by colour", "stats", "`by` takes one of agent, tier, topic, source"),
        ("stats 7d 30d", "stats", "I don't know what `30d` means here"),
        ("sla set vip soon", "sla", "the time to claim must be a whole number"),
        ("sla set vip 0", "sla", "between 1 and 10080"),
        ("vip add", "vip", "say add, remove, list or import"),
        ("vip add @not-a-handle!", "vip", "is not a handle: @name on X, bsky:@name"),
        ("oncall set maria", "oncall", "`maria` is not a person"),
        ("oncall rotation @U1 weekly", "oncall", "two or more people"),
        ("oncall rotation @U1 @U2 weekly at 25:00", "oncall", "`25:00` is not an hour"),
        ("backlog now", "backlog", "takes only `queue NAME` and `public`"),
    ],
)
def test_bad_input_names_what_is_wrong_and_which_help_to_show(text: str, subcommand: str | None, reason: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse(text)
    assert raised.value.subcommand == subcommand and reason in raised.value.reason


@pytest.fixture
def desk() -> LeadDesk:
    return LeadDesk(
        FakeDatabase(), ManualClock(T0), timezone="Europe/Berlin", fallback_on_call=Identity("slack", "U0DEFAULT")
    )


def test_a_bad_subcommand_gets_its_help_and_never_a_trace(desk: LeadDesk) -> None:
    answer = desk.run(AGENT, "sla set vip quickly")
    assert answer.refused and answer.title.startswith("Sorry: the time to claim")
    assert answer.lines[0].startswith("sla show | sla set TIER") and "e.g. sla set vip 5 15" in answer.lines


def test_only_the_care_team_may_read_and_only_leads_may_change(desk: LeadDesk) -> None:
    assert "for the care team" in desk.run(OUTSIDER, "sla show").title
    refused = desk.run(AGENT, "sla set vip 3")
    assert refused.refused and "Only team leads" in refused.title
    assert not desk.run(AGENT, "sla show").refused
    db = desk.uow_factory
    assert isinstance(db, FakeDatabase)
    assert [(e.actor.id, e.action) for e in db.state.audit] == [
        ("U0EVE", "refused:command"),
        ("U0MARIA", "refused:command"),
    ]
    assert db.state.sla == {}


def test_a_lead_sets_service_levels_and_each_change_is_audited(desk: LeadDesk) -> None:
    answer = desk.run(LEAD, "sla set vip 3 10")
    assert answer.lines == ("vip: claim within 3 min, acknowledge within 10 min, pages on-call on arrival",)
    desk.run(LEAD, "sla set gold 20")
    desk.run(LEAD, "sla page standard on")
    db = desk.uow_factory
    assert isinstance(db, FakeDatabase)
    assert db.state.sla["vip"] == SlaPolicy("vip", 3, 10, True)
    assert db.state.sla["standard"].page_on_arrival
    assert db.state.sla["gold"] == SlaPolicy("gold", 20, 240, False)  # a new tier starts from standard's
    assert [e.action for e in db.state.audit] == ["settings:sla.set", "settings:sla.set", "settings:sla.page"]
    assert "The time to acknowledge cannot be shorter" in desk.run(LEAD, "sla set vip 30 10").title


def test_vip_add_list_remove_and_import(desk: LeadDesk) -> None:
    desk.run(LEAD, "vip add @Jane_Doe")
    desk.run(LEAD, "vip import handle,tier; @acme_ceo,elite; @bad name,vip; @x,platinum")
    listed = desk.run(AGENT, "vip list")
    assert listed.lines == ("@acme_ceo: elite", "@jane_doe: vip")
    imported = desk.run(LEAD, "vip import @y,platinum")
    assert imported.title == "Imported 0 customer(s)" and "platinum" in imported.lines[0]
    desk.run(LEAD, "vip remove @jane_doe")
    assert desk.run(AGENT, "vip list").lines == ("@acme_ceo: elite",)
    assert "not a tier" in desk.run(LEAD, "vip add @z platinum").title


def test_vip_handles_are_per_network(desk: LeadDesk) -> None:
    answer = desk.run(LEAD, "vip add bsky:@ann.bsky.social elite")
    assert answer.title.startswith("bsky:@ann.bsky.social is now elite")
    desk.run(LEAD, "vip import mastodon:@ann@mastodon.social,vip; ann.bsky.social,vip")
    assert desk.run(AGENT, "vip list").lines == (
        "@ann.bsky.social: vip",  # the same name on X is another customer
        "bsky:@ann.bsky.social: elite",
        "mastodon:@ann@mastodon.social: vip",
    )


def test_oncall_show_set_and_rotation(desk: LeadDesk) -> None:
    assert desk.run(AGENT, "oncall").lines == (Line.of("On call now: ", Mention("U0DEFAULT")),)
    li = {"U0LI": Identity("slack", "U0LI", "li")}
    assert desk.run(LEAD, "oncall set @U0LI", li).lines == (Line.of("On call now: ", Mention("li")),)
    assert "is not a person" in desk.run(LEAD, "oncall set @U0SOMEONE", li).title  # a word, not a mention
    both = {"U1": Identity("slack", "U1"), "U2": Identity("slack", "U2")}
    answer = desk.run(LEAD, "oncall rotation @U1 @U2 weekly at 10:00 on monday", both)
    # 08:30 UTC on Monday is 09:30 in Berlin, before the 10:00 hand-off: U1 has the week that began last Monday.
    assert answer.lines == (
        Line.of("On call now: ", Mention("U1")),
        Line.of("Rotation (weekly): ", Mention("U1"), ", ", Mention("U2")),
        "Next hand-off: Mon 23 Nov 10:00 (Europe/Berlin)",
    )
