"""triage: messages, topics, priority, follow-ups, outbox rank

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:26:38.044610
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_handle", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("in_reply_to_id", sa.String(length=128), nullable=True),
        sa.Column("note", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], name=op.f("fk_messages_complaint_id_complaints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_messages_source_external_id")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_kind_received_at"), ["kind", "received_at"], unique=False)

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_key", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("topic", sa.String(length=64), server_default="other", nullable=False))
        batch_op.add_column(sa.Column("skill_group", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("priority_reasons", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("queue_rank", sa.Float(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("noise_rule", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("followup_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_complaints_author_key_status"), ["author_key", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_conversation_id"), ["conversation_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rank", sa.Float(), server_default="0", nullable=False))

    # complaints stored before this revision: their threading key and their opening message
    op.execute("UPDATE complaints SET author_key = lower(author_handle)")
    op.execute(
        "INSERT INTO messages (source, external_id, complaint_id, kind, author_handle, text, created_at, "
        "received_at, conversation_id, in_reply_to_id) "
        "SELECT source, external_id, id, 'opening', author_handle, text, created_at, received_at, "
        "conversation_id, in_reply_to_id FROM complaints"
    )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("rank")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_author_key_status"))
        batch_op.drop_column("followup_count")
        batch_op.drop_column("noise_rule")
        batch_op.drop_column("queue_rank")
        batch_op.drop_column("priority_reasons")
        batch_op.drop_column("priority")
        batch_op.drop_column("skill_group")
        batch_op.drop_column("topic")
        batch_op.drop_column("author_key")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_kind_received_at"))
        batch_op.drop_index(batch_op.f("ix_messages_complaint_id"))

    op.drop_table("messages")
