"""outbox: each lease's token, owner and the channel whose order it keeps; workers' heartbeats; indexes for leasing,
retention and erasure

With several workers, only the holder of a message's current lease may finish, retry or give
it back (`lease`), and a chat channel's messages are leased by one worker at a time so that
its rank order holds across workers (`ordering`). Each worker beats in `workers` twice a second:
the leases of one not heard from for a few seconds (killed, its machine gone) are free at once,
not only when they expire (`lease_owner`). Leasing walks the pending rows by rank
(`ix_outbox_due`); retention deletes finished rows by age and blanks old audit details.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
LEASED = sa.text("leased_until IS NOT NULL")


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("lease", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("ordering", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(128), nullable=True))
    op.create_table(
        "workers",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "UPDATE outbox SET ordering = lane WHERE kind IN "
        "('card.post', 'card.followup', 'card.log', 'card.move', 'chat.announce')"
    )
    op.create_index("ix_outbox_due", "outbox", ["rank", "id"], postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_index("ix_outbox_leased", "outbox", ["ordering"], postgresql_where=LEASED, sqlite_where=LEASED)
    op.create_index("ix_outbox_done_at", "outbox", ["done_at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("workers")
    op.drop_index("ix_outbox_done_at", table_name="outbox")
    op.drop_index("ix_outbox_leased", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("ordering")
        batch_op.drop_column("lease")
