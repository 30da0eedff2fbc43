"""outbox: count failures apart from tries, so rate limits and outages never use up a message's chances

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE outbox SET failures = attempts WHERE status <> 'done'")


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("failures")
