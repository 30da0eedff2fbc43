"""complaints: the queue each landed on, and an index for a queue's backlog

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(32), nullable=False, server_default="care"))
    op.create_index("ix_complaints_queue_status", "complaints", ["queue", "status"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_complaints_queue_status", table_name="complaints")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("queue")
