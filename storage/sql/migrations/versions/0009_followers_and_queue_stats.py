"""complaints: the author's follower count at arrival, whether this wait paged on its own; the statistics rollup
redone with queue and follower band

Follower counts answer "does a loud account jump the queue?" (stats fairness). Complaints past their service level
are paged per queue, so only one paged on arrival has an alert of its own to acknowledge. A queue in storm mode
holds its new cards in the outbox until they are taken, found by complaint. The rollup gains two dimensions,
queue and follower band: its rows are dropped and its watermark forgotten, so the next pass rebuilds it whole.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("author_followers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paged_alone", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE complaints SET paged_alone = (sla_stage > 0)")  # pages until now were per complaint
    op.create_index("ix_outbox_complaint_id", "outbox", ["complaint_id"])  # a held card is released by complaint
    op.execute("DELETE FROM stats_rollup")
    op.execute("DELETE FROM checkpoints WHERE name = 'stats.rollup'")


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_outbox_complaint_id", table_name="outbox")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("author_followers")
        batch_op.drop_column("paged_alone")
    op.execute("DELETE FROM stats_rollup")
    op.execute("DELETE FROM checkpoints WHERE name = 'stats.rollup'")
