"""posts read and clicks queued are kept in PostgreSQL until stored and decided: Redis may lose them

`arrivals` holds each post a feed read, written in the transaction that moves the feed's
position, until a worker knows it stored; `queued_clicks` holds each click queued for a
worker until it is decided, so one lost with Redis's stream is answered "click again".

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "arrivals",
        sa.Column("id", _ID, nullable=False, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("post", sa.Text(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrivals")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_arrivals_source_external_id")),
    )
    with op.batch_alter_table("arrivals") as batch_op:
        batch_op.create_index(batch_op.f("ix_arrivals_arrived_at"), ["arrived_at"], unique=False)
    op.create_table(
        "queued_clicks",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("click", sa.Text(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deciding_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_queued_clicks")),
    )
    with op.batch_alter_table("queued_clicks") as batch_op:
        batch_op.create_index(batch_op.f("ix_queued_clicks_queued_at"), ["queued_at"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("queued_clicks")
    op.drop_table("arrivals")
