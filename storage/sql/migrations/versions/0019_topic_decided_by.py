"""which decided a complaint's topic: the keyword rules or the learned model

The card says "topic: baggage · learned" or "· rule"; cases triaged before this were all decided by the rules.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.add_column("complaints", sa.Column("topic_by", sa.String(16), nullable=False, server_default="rule"))


def downgrade() -> None:
    """Revert this migration."""
    op.drop_column("complaints", "topic_by")
