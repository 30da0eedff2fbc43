"""`python -m drills [--short] [--minute S] [--posts N] [--agents N] [--write FILE]`: run the drills and print their
table (with --write, also into FILE with the machine it ran on)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import machine
from drills.faults import FAULTS, SHORT
from drills.run import Plan, run
from drills.table import table
from drills.traffic import source_file

INTRO = """# Drills

`make drills` (`python -m drills`) starts the real deployment on its own PostgreSQL and Redis: `python -m bot
migrate`, two `web`, three `worker` and one `ingest` process, with the local Slack, Teams, X, Bluesky, Mastodon and
Zendesk. Complaints stream in all along (three in five as mentions on the local X, one in five on the local Bluesky,
one in five on the local Mastodon), and agents claim, reply publicly and open tickets through signed Slack requests,
a third of them claiming and opening tickets through signed Teams invokes, while one fault at a time is injected.
After each drill everything is counted where it landed.

The drills: a worker and a web process killed with SIGKILL; Redis killed and started again empty; Redis stopped
10 s and started again with its data (10 s covers the start of every short periodic job, and cards are being
delivered all along); PostgreSQL stopped 30 s, during which 25 posts reach an X search that has never returned a
post (the local X answers at most 10 posts a page, so they span three pages); Slack answering 429 with Retry-After,
then 5xx for a minute; Teams' Bot Connector the same; X answering 503 to polls and replies for a minute; the
ticketing system down for a minute; and all of them at once.

Columns: *posts* posted during the drill; *unread* never stored; *Slack/Teams cards lost/twice* cases with no card or
more than one in that chat tool; *replies*, *tickets* decided, and of those lost (never landed) or landed twice;
*claims kept* claims the agents saw won that the database still holds; *clicks* the agents' clicks and *unanswered*
those that got no answer within 20 s (an answer is the card updated, a form, or a private message; told "click
again", the agent clicks again, and that is a new click; clicks while Slack's own Web API fails cannot be answered
and are listed apart); *jobs back* seconds from the dependency's return to the slowest short periodic job's next
pass; *recovered* seconds from the dependency's return (or the kill) until the first complaint posted after it is
stored and a card is posted again, with no human step; *probe card* seconds to that complaint's own card (it waits
its turn behind the channel's backlog: about one card a second per channel); *cards late (lease)* cards posted more
than 10 s after the later of their complaint's storing and the dependency's return while the Slack channel sat idle
for more than 10 s in between (nothing posted or updated there: the card waited on no queue ahead of it, so on a
lease or a stalled delivery); *thread lines twice* lines shown twice in cards' threads (a kill -9 in the middle of
that one call can do it: the worker taking the line over cannot know it landed).
*met*: nothing unread, lost or doubled, every claim kept, no click unanswered, no card late because of a lease,
every periodic job advancing and cards posting again within 10 s of the dependency's return.
"""


def main(argv: list[str] | None = None) -> int:
    """Run the drills; 0 when every one met its targets."""
    parser = argparse.ArgumentParser(prog="python -m drills", description=__doc__)
    parser.add_argument(
        "--short", action="store_true", help="the CI form: a worker killed, Redis down 10 s and back empty"
    )
    parser.add_argument("--minute", type=float, default=60.0, help="how long 'a minute' of an outside failure lasts")
    parser.add_argument("--posts", type=int, default=50, help="complaints tweeted per drill")
    parser.add_argument("--agents", type=int, default=6, help="agents clicking (a third of them in Teams)")
    parser.add_argument("--only", default=None, help="run only the drills whose name holds this")
    parser.add_argument("--write", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    faults = [f for f in (SHORT if args.short else FAULTS) if args.only is None or args.only.lower() in f.name.lower()]
    plan = Plan(posts_per_drill=args.posts, agents=args.agents, minute=args.minute)
    tallies, deployment = run(faults, plan, progress=lambda line: print(line, flush=True))
    printed = table(tallies)
    print(printed)
    if args.write is not None:
        where = f"Machine: {machine.describe()}. Complaints: {source_file().name}; {args.posts} per drill, "
        where += f"{args.agents} agents; a minute of failure lasted {args.minute:.0f} s."
        args.write.write_text(f"{INTRO}\n{where}\n\n{printed}\n")
    print(f"logs: {deployment.workdir}", file=sys.stderr)
    return 0 if all(t.clean for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
