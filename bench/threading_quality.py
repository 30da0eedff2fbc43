"""How well follow-ups land on the right case, measured on twcs-shaped conversations (the generated corpus, or the real
file given with `--twcs`).

Ground truth comes from the file itself: tweets linked by in_response_to_tweet_id
form one conversation (a connected component, brand replies included). A customer's
tweet is a follow-up when
- its conversation already holds an earlier customer tweet (a chain follow-up), or
- it starts a new conversation but the same customer wrote earlier, within the
  threading window, in another one (a same-customer repeat).
Squeaky's answer is the case each tweet was stored on after a replay of the file.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench import corpus
from bot.bootstrap import build_core
from bot.config import Settings
from bot.replay import replay
from bot.sources.twcs import SOURCE
from handlers.domain.complaint import MessageKind
from storage.sql.migrate import upgrade
from storage.sql.tables import messages

_V1 = "%a %b %d %H:%M:%S %z %Y"


@dataclass
class Quality:
    """The measured shares."""

    chain_followups: int
    chain_right: int
    chain_new_card: int
    repeats: int
    repeats_joined: int
    problems: int
    wrongly_merged: int
    window: timedelta

    def share(self, part: int, whole: int) -> str:
        """A percentage with its counts."""
        return f"{100 * part / whole:.1f}% ({part:,} of {whole:,})" if whole else "n/a"


def _roots(rows: list[dict[str, str]]) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        tweet = row["tweet_id"]
        find(tweet)
        if row["in_response_to_tweet_id"].strip():
            parent[find(tweet)] = find(str(int(float(row["in_response_to_tweet_id"]))))
    return {row["tweet_id"]: find(row["tweet_id"]) for row in rows}


def measure(path: Path | None = None) -> Quality:
    """Replay the corpus into a scratch SQLite database and compare its cases with the conversations."""
    path = path or corpus.path()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["author_id"].strip() and r["tweet_id"].strip()]
    component = _roots(rows)
    customers = sorted(
        (r for r in rows if r["inbound"] == "True"),
        key=lambda r: (datetime.strptime(r["created_at"], _V1), int(r["tweet_id"])),
    )
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/threading.db"
        upgrade(url)
        core = build_core(Settings(_env_file=None, database_url=url))
        replay(core, path, speed=0, direct=True)
        window = core.triage.same_author_window
        with core.engine.connect() as connection:
            query = select(messages.c.external_id, messages.c.complaint_id, messages.c.kind).where(
                messages.c.source == SOURCE
            )
            stored = connection.execute(query).all()
        case_of = {tweet: case for tweet, case, _kind in stored}
        opened = {tweet for tweet, _case, kind in stored if kind == MessageKind.OPENING.value}
        core.engine.dispose()

    first_in_component: dict[str, str] = {}
    last_by_author: dict[str, tuple[datetime, str]] = {}
    author_of = {r["tweet_id"]: r["author_id"] for r in customers}
    opener = {case_of[t]: t for t in opened}
    merged_problems: set[str] = set()
    q = Quality(0, 0, 0, 0, 0, 0, 0, window)
    for row in customers:
        tweet, author = row["tweet_id"], row["author_id"]
        at = datetime.strptime(row["created_at"], _V1)
        root = component[tweet]
        case = case_of.get(tweet)
        earlier = last_by_author.get(author)
        if root in first_in_component:
            q.chain_followups += 1
            q.chain_right += case is not None and case == case_of.get(first_in_component[root])
            q.chain_new_card += tweet in opened
        else:
            first_in_component[root] = tweet
            q.problems += 1
            if earlier is not None and at - earlier[0] <= window:
                q.repeats += 1
                q.repeats_joined += case is not None and case == case_of.get(earlier[1])
        first = opener.get(case) if case is not None else None
        if first is not None and component[first] != root and author_of.get(first) != author:
            merged_problems.add(root)  # on a case another customer opened about another conversation
        last_by_author[author] = (at, tweet)
    q.wrongly_merged = len(merged_problems)
    return q


def report(q: Quality) -> str:
    """The results, as Markdown."""
    followups = q.chain_followups + q.repeats
    right = q.chain_right + q.repeats_joined
    return "\n".join(
        [
            f"- Follow-ups that land on the right case: **{q.share(right, followups)}**",
            f"  - in a reply chain: {q.share(q.chain_right, q.chain_followups)}; of the others, "
            f"{q.chain_new_card:,} opened a card of their own and "
            f"{q.chain_followups - q.chain_right - q.chain_new_card:,} joined another case",
            f"  - same customer again, in a new conversation within {q.window.total_seconds() / 3600:.0f} h: "
            f"{q.share(q.repeats_joined, q.repeats)}",
            f"- Distinct problems (conversations) wrongly merged into a case another customer opened about "
            f"another conversation: **{q.share(q.wrongly_merged, q.problems)}**",
        ]
    )
