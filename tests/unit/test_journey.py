"""The whole agent journey through the application service on a chat tool that is not Slack, and proof that no Slack
module is on its path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from handlers.cases.agent_desk import ESCALATED
from handlers.domain.complaint import Delivery, Status
from handlers.domain.rich_text import Line, Mention
from tests.fakes import SURFACE
from tests.unit.journey import run_journey

ROOT = Path(__file__).resolve().parents[2]


def test_claim_collision_reply_ticket_escalation_and_a_lead_command_on_another_chat_tool() -> None:
    seen = run_journey()
    complaint = seen.complaint
    assert complaint.status is Status.TICKETED and complaint.owner is not None
    assert complaint.owner.name == "maria" and dict(complaint.owner.handles) == {SURFACE: "m-1"}
    assert seen.refusal is not None and seen.refusal.startswith("Already claimed by @maria")
    assert seen.reply_form.allowed and seen.reply_form.text.startswith("Hi Ann, we hear you: case #1.")
    assert seen.reply_form.length.length == len(seen.reply_form.text) and seen.reply_form.rule == "as characters"
    assert seen.social.posted == [("100", seen.reply_form.text)]
    assert complaint.reply is not None and complaint.reply.status is Delivery.SENT
    assert seen.ticket_form.subject == "Other: complaint #1 from @ann" and seen.ticket_form.system == "built-in"
    assert [r.priority for r in seen.tickets.requests] == ["high"]
    assert complaint.ticket is not None and complaint.ticket.number == "SQ-1"
    assert seen.notice == ESCALATED
    assert seen.oncall_line == Line.of("On call now: ", Mention("li"))
    [(handle, text, card)] = seen.chat.notified  # the page reaches li on this chat tool, by li's id there
    assert handle == "li-4" and "escalated complaint #1" in text and card == complaint.card_on(SURFACE)
    [posted] = seen.chat.posted
    assert posted.complaint_id == complaint.id
    assert seen.chat.updated[-1][1].status is Status.TICKETED  # the one card shows where it stands
    assert [line.actor.name for _ref, line in seen.chat.activity][:1] == ["maria"]


def test_no_slack_module_is_imported_on_the_journey() -> None:
    probe = (
        "import sys; from tests.unit.journey import run_journey; run_journey(); "
        "print(sorted(m for m in sys.modules if 'slack' in m.lower()))"
    )
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our own probe
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
