"""complaints ranked by the customer's own posting time; storm mode from a surge of similar complaints

`posted_at` is when the customer posted, as the network said, but never later than when
Squeaky stored it (a wrong clock cannot jump the queue) nor more than 30 minutes before:
cards, the backlog, take next, push assignment, service levels and the fairness report go by
it. Existing cases were ranked by when they were stored, and keep that order: their
posted_at is their received_at. `fingerprint` holds a new case's near-duplicate keys (MinHash bands of its
words), and `surges` counts each key's run per queue across every worker, so that a burst of
similar complaints starts storm mode and its incident reply reaches exactly that cluster.

Revision ID: 0013
Revises: 0012_profile_links
Create Date: 2026-12-07 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012_profile_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(160), nullable=True))
    op.execute("UPDATE complaints SET posted_at = received_at")  # the order they were ranked in stays
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.alter_column("posted_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f("ix_complaints_status_posted_at"), ["status", "posted_at"], unique=False)
    op.create_table(
        "surges",
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("band", sa.String(24), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(160), nullable=False),
        sa.PrimaryKeyConstraint("queue", "band", name=op.f("pk_surges")),
    )
    with op.batch_alter_table("surges") as batch_op:
        batch_op.create_index(batch_op.f("ix_surges_last_at"), ["last_at"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("surges") as batch_op:
        batch_op.drop_index(batch_op.f("ix_surges_last_at"))
    op.drop_table("surges")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_status_posted_at"))
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("posted_at")
