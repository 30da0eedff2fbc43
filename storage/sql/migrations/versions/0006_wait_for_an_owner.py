"""complaints: when the current wait for an owner began (a complaint back in the queue starts a new ladder), and an
index for the backlog in the card queue's order

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("requeued_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_complaints_status_queue_rank", "complaints", ["status", "queue_rank"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_complaints_status_queue_rank", table_name="complaints")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("requeued_at")
