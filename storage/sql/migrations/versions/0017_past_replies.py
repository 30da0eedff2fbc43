"""past replies that suggested replies learn from

Imported pairs of a past complaint and the brand's first public reply (scrubbed of the old customer's specifics),
kept beside our own answered cases; each pair once (its digest is unique).

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "past_replies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("brand", sa.String(64), nullable=False),
        sa.Column("complaint", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_past_replies")),
        sa.UniqueConstraint("digest", name=op.f("uq_past_replies_digest")),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("past_replies")
