"""The tour's words: the README's numbered steps and their pictures, the demo's suggestions (no browser needed here;
sandbox/tour.py walks them)."""

from __future__ import annotations

from dataclasses import dataclass

PAGE = "http://127.0.0.1:8700"
SHOTS = "docs/screenshots"


@dataclass(frozen=True)
class Step:
    """One line of the tour and the name of its picture in docs/screenshots."""

    text: str
    shot: str


STEPS = (
    Step(f"Open {PAGE} and choose **alice** under **You are**: each complaint is a card.", "tour-1-cards"),
    Step('Click **Claim** on Maria\'s card: it says "Claimed by @alice" for everyone.', "tour-2-claimed"),
    Step("Click **Acknowledge publicly**, edit the text, **Send reply**: it shows under Maria's post.", "tour-3-reply"),
    Step('Click **Move to ticket**, then **Create ticket**: the card says "Ticket SQ-1 in Squeaky".', "tour-4-ticket"),
    Step(
        "Choose **lea**, type `/squeaky stats today`: her figures, and the chart in her **Direct messages**.",
        "tour-5-stats",
    ),
    Step(
        "Tick **Stale screen**, claim Tom's card as alice, choose **bob**, click **Claim**: only bob hears why not.",
        "tour-6-collision",
    ),
    Step(
        "Untick **Stale screen**, click **Teams**: the same cards as Adaptive Cards, the same buttons.", "tour-7-teams"
    ),
)


def as_markdown() -> list[str]:
    """The tour as the README writes it: each step one numbered line and its picture."""
    lines: list[str] = []
    for n, step in enumerate(STEPS, start=1):
        alt = step.text.replace("**", "").replace("`", "")
        lines += [f"{n}. {step.text}", "", f"   ![{alt}]({SHOTS}/{step.shot}.png)", ""]
    return lines
