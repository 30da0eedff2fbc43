"""The benchmarks' corpus: a generated file of the twcs shape by default, or the real twcs CSV when given.

The generated file has what the benchmarks depend on in the real one: the seven twcs columns, v1.1 dates, float
reply ids, comma lists of responses, brands that answer, customers who write again (in the thread and in a new
one), links, entities and emoji in the texts, and complaints spread over the triage topics. It is made the same
from the same seed, so two runs on one machine read the same posts.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 7
ROWS = 3_000
_V1 = "%a %b %d %H:%M:%S %z %Y"
_BRANDS = [  # handles of brands that answer in public, weighted roughly as in the real file
    "ChipotleTweets", "AmazonHelp", "Delta", "AppleSupport", "Uber_Support", "VerizonSupport", "SpotifyCares",
    "AmericanAir", "comcastcares", "Tesco", "AskPlayStation", "XboxSupport", "AdobeCare", "British_Airways",
    "SouthwestAir", "sprintcare", "TMobileHelp", "AskeBay", "Ask_Spectrum", "VirginTrains", "AlaskaAir", "HPSupport",
]  # fmt: skip
_COMPLAINTS = [
    "my flight {ref} was cancelled at the gate and nobody is at the desk. I miss my connection today",
    "delayed three hours on the tarmac with no water. what is going on?",
    "my suitcase never arrived, third day in the same shirt. file ref {ref}",
    "lost my bag on the way to Oslo &amp; nobody answers the phone",
    "charged twice for the same order {ref}, please refund the duplicate",
    "where is my refund? it has been 6 weeks since you promised it",
    "the app crashes every time I open my account 😡 {url}",
    "the website says error 500 when I try to pay {url}",
    "no signal at home since yesterday, is there an outage?",
    "internet down again tonight, third time this week",
    "your agent was rude to me on the phone and hung up",
    "I waited 2 hours on hold &amp; then the call dropped",
    "my parcel shows delivered but it is not here {ref}",
    "the driver left my package in the rain, everything is wet",
    "billing shows a fee I never agreed to on invoice {ref}",
    "cannot log in, the password reset email never comes",
    "booked a room for tonight and the hotel has no record of it {ref}",
    "the train was cancelled and no replacement bus came, stranded at the station",
    "my card was declined at checkout but the money left my account",
    "still no answer to my DM from last week, hello??",
]  # fmt: skip
_FOLLOWUPS = [
    "still waiting, any news?",
    "I sent the DM an hour ago and nothing",
    "this is ridiculous, nobody helps",
    "ok I sent the details by DM",
    "thanks, but it is still not fixed",
    "the link you sent does not work {url}",
]
_ANSWERS = [
    "We're sorry to hear this. Please DM us your reference and we'll look into it right away.",
    "That's not the experience we want for you. Can you send us a DM with your account details?",
    "Sorry for the trouble! Our team is on it: follow the steps here {url} and let us know.",
    "We hear you and we've passed this on. Please DM us your booking reference so we can help.",
    "Thanks for waiting. We've replied to your DM, please check your messages.",
]


@dataclass
class _Writer:
    rng: random.Random
    now: datetime
    rows: list[dict[str, str]] = field(default_factory=list)

    def _fill(self, text: str) -> str:
        ref = "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        return text.format(ref=ref, url=f"https://t.co/{ref.lower()}{self.rng.randint(10, 99)}")

    def tweet(
        self, author: str, inbound: bool, at: datetime, text: str, reply_to: dict[str, str] | None
    ) -> dict[str, str]:
        row = {
            "tweet_id": str(len(self.rows) + 1),
            "author_id": author,
            "inbound": str(inbound),
            "created_at": at.strftime(_V1),
            "text": self._fill(text),
            "response_tweet_id": "",
            "in_response_to_tweet_id": f"{float(reply_to['tweet_id'])}" if reply_to else "",
        }
        if reply_to:
            known = reply_to["response_tweet_id"]
            reply_to["response_tweet_id"] = f"{known},{row['tweet_id']}" if known else row["tweet_id"]
        self.rows.append(row)
        return row

    def conversation(self, customer: str, brand: str, at: datetime) -> None:
        first = self.tweet(customer, True, at, f"@{brand} {self.rng.choice(_COMPLAINTS)}", None)
        last = first
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            at += timedelta(minutes=self.rng.randint(2, 720))
            answer = self.tweet(brand, False, at, f"@{customer} {self.rng.choice(_ANSWERS)}", last)
            at += timedelta(minutes=self.rng.randint(1, 120))
            last = self.tweet(customer, True, at, f"@{brand} {self.rng.choice(_FOLLOWUPS)}", answer)
        if self.rng.random() < 0.8:
            self.tweet(brand, False, at + timedelta(minutes=self.rng.randint(3, 400)), self._answer(customer), last)

    def _answer(self, customer: str) -> str:
        return f"@{customer} {self.rng.choice(_ANSWERS)}"


def generate(path: Path, rows: int = ROWS, seed: int = SEED) -> Path:
    """Write a twcs-shaped CSV of about `rows` tweets to `path`, the same for the same seed; return the path."""
    rng = random.Random(seed)
    writer = _Writer(rng, datetime(2017, 10, 31, 22, 0, tzinfo=UTC))
    customer = 100_000
    while len(writer.rows) < rows:
        customer += 1
        brand = rng.choices(_BRANDS, weights=range(len(_BRANDS), 0, -1))[0]
        start = writer.now - timedelta(seconds=rng.randint(0, 86400 * 20))
        writer.conversation(str(customer), brand, start)
        if rng.random() < 0.2:  # the same customer again, in a new conversation, within the threading window
            writer.conversation(str(customer), brand, start + timedelta(hours=rng.randint(1, 48)))
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(writer.rows[0]))
        out.writeheader()
        out.writerows(writer.rows[:rows])
    return path


_chosen: Path | None = None


def use(path: Path | None) -> None:
    """Read the real twcs CSV at `path` from now on (None: the generated corpus)."""
    global _chosen
    if path is not None and not path.is_file():
        raise SystemExit(f"bench: --twcs {path} is not a file")
    _chosen = path


def path() -> Path:
    """The corpus file this run reads: the one given with --twcs, else the generated one (made once per run)."""
    global _chosen
    if _chosen is None:
        _chosen = generate(Path(tempfile.mkdtemp(prefix="squeaky-bench-")) / "twcs_generated.csv")
    return _chosen


def describe() -> str:
    """Which corpus the figures come from, for the results file."""
    chosen = path()
    if chosen.name == "twcs_generated.csv":
        return f"a generated twcs-shaped corpus ({ROWS:,} tweets, seed {SEED}; `--twcs FILE` reads a real one)"
    return f"the twcs file `{chosen.name}`"
