"""the agent's card: public replies, tickets, dismissals, merges

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:13:52.194302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reply_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reply_post_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reply_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reply_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ticket_system", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("ticket_subject", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ticket_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("ticket_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ticket_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ticket_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dismiss_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("merged_into", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_complaints_status_claimed_at"), ["status", "claimed_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_complaints_merged_into_complaints"), "complaints", ["merged_into"], ["id"]
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("conversation", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_request_key"), ["request_key"])


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tickets_request_key"), type_="unique")
        batch_op.drop_column("conversation")
        batch_op.drop_column("card_url")
        batch_op.drop_column("contact")
        batch_op.drop_column("notes")
        batch_op.drop_column("priority")
        batch_op.drop_column("request_key")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_complaints_merged_into_complaints"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_complaints_status_claimed_at"))
        batch_op.drop_column("merged_into")
        batch_op.drop_column("dismiss_reason")
        batch_op.drop_column("ticket_error")
        batch_op.drop_column("ticket_url")
        batch_op.drop_column("ticket_number")
        batch_op.drop_column("ticket_status")
        batch_op.drop_column("ticket_subject")
        batch_op.drop_column("ticket_system")
        batch_op.drop_column("reply_error")
        batch_op.drop_column("reply_url")
        batch_op.drop_column("reply_post_id")
        batch_op.drop_column("reply_status")
        batch_op.drop_column("reply_text")
