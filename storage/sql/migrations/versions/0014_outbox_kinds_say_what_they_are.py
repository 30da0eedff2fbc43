"""outbox kinds named for what they are: a public reply on any network is social.reply, not x.reply

The outbox's messages became typed classes per kind (handlers.domain.outbox_kinds), and their
stored names now say what they are. Rows waiting in the outbox get the new name, and a lane that
was named after its kind (a message no lane of its own was found for) follows it. Idempotency
keys are left as they are (`x.reply:42:3` stays), so a message decided before the upgrade is
never queued a second time after it, and a ticketing system that dedupes on the key opens no
second ticket. The new code still reads rows under the former names; a worker of the former
version does not know the new ones (it would give such a message up), so stop the former
workers before this runs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {
    "x.reply": "social.reply",
    "x.status": "social.status",
    "card.log": "card.thread_line",
    "chat.dm": "chat.direct_message",
    "chat.announce": "chat.announcement",
    "page": "pager.page",
}

_outbox = sa.table("outbox", sa.column("kind", sa.String()), sa.column("lane", sa.String()))


def _rename(names: dict[str, str]) -> None:
    bind = op.get_bind()
    for old, new in names.items():
        bind.execute(sa.update(_outbox).where(_outbox.c.kind == old).values(kind=new))
        bind.execute(sa.update(_outbox).where(_outbox.c.lane == old).values(lane=new))


def upgrade() -> None:
    """Apply this migration."""
    _rename(RENAMED)


def downgrade() -> None:
    """Revert this migration."""
    _rename({new: old for old, new in RENAMED.items()})
