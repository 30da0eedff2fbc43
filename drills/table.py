"""The drills' table: one line a drill, then what was listed lost, doubled, late or unanswered."""

from __future__ import annotations

from drills.tally import Tally

HEADER = (
    "| drill | posts | unread | cases | Slack cards lost | twice | Teams cards lost | twice "
    "| replies | lost | twice | tickets | lost | twice "
    "| claims kept | clicks | unanswered | jobs back (s) | recovered (s) | probe card (s) | cards late (lease) "
    "| thread lines twice | met |"
)
RULE = "|" + "---|" * 23


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def row(t: Tally) -> str:
    """One drill's line of the table."""
    cells = [
        t.drill,
        t.posts,
        len(t.unread),
        t.cases,
        len(t.cards_lost),
        len(t.cards_twice),
        len(t.teams_cards_lost),
        len(t.teams_cards_twice),
        t.replies,
        len(t.replies_lost),
        len(t.replies_twice),
        t.tickets,
        len(t.tickets_lost),
        len(t.tickets_twice),
        f"{t.claims_kept}/{t.claims}",
        t.clicks,
        len(t.clicks_unanswered),
        _s(t.jobs_back_s),
        _s(t.recovered_s),
        _s(t.probe_carded_s),
        len(t.cards_late),
        t.thread_lines_twice,
        "yes" if t.clean else "NO",
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(tallies: list[Tally]) -> str:
    """The whole table, then what was listed lost or doubled."""
    lines = [HEADER, RULE, *(row(t) for t in tallies)]
    details = []
    for t in tallies:
        named: dict[str, list[str] | list[int]] = {
            "unread tweets": t.unread,
            "cases without a Slack card": t.cards_lost,
            "cases with two Slack cards": t.cards_twice,
            "cases without a Teams card": t.teams_cards_lost,
            "cases with two Teams cards": t.teams_cards_twice,
            "replies lost": t.replies_lost,
            "replies twice": t.replies_twice,
            "tickets lost": t.tickets_lost,
            "tickets twice": t.tickets_twice,
            "replies or tickets still waiting (X posts 100 per 15 min)": t.waiting,
            "cards late because of a lease": t.cards_late,
            "clicks unanswered": t.clicks_unanswered,
        }
        said = [f"{what}: {', '.join(map(str, ids[:20]))}" for what, ids in named.items() if ids]
        if t.clicks_slack_down:
            said.append(f"{t.clicks_slack_down} clicks unanswered while Slack's Web API was failing (not counted)")
        if said or t.notes:
            details.append(f"- {t.drill}: " + "; ".join(said + t.notes))
    return "\n".join(lines + (["", *details] if details else []))
