"""private conversations found by an index

Every intake batch asks which open case holds each of its posts' conversations as a private conversation Squeaky
opened. Without an index that is a scan of all complaints per batch, slower as the table grows (measured: half of
ingest's time at 100,000 posts). Few cases have one: the index holds only those.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 01:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_ONE = sa.text("private_conversation_id IS NOT NULL")


def upgrade() -> None:
    """Apply this migration."""
    op.create_index(
        "ix_complaints_private_conversation_id",
        "complaints",
        ["private_conversation_id"],
        postgresql_where=HAS_ONE,
        sqlite_where=HAS_ONE,
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_complaints_private_conversation_id", table_name="complaints")
