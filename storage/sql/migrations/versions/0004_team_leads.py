"""team leads: milestones, service levels, team settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:42:26.622876
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "sla_policies",
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("claim_minutes", sa.Integer(), nullable=False),
        sa.Column("ack_minutes", sa.Integer(), nullable=False),
        sa.Column("page_on_arrival", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tier", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "team_settings",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_team_settings")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column(
            "complaint_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ticketed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_stage", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_complaints_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "stats_rollup",
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("hour_start", sa.Integer(), nullable=False),
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hours", "hour_start", "dim", "metric", "value", "bucket", name=op.f("pk_stats_rollup")
        ),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("stats_rollup")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_updated_at"))
        batch_op.drop_column("updated_at")
        batch_op.drop_index(batch_op.f("ix_complaints_received_at"))
        batch_op.drop_column("sla_stage")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("ticketed_at")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("first_claimed_at")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column(
            "complaint_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )

    op.drop_table("team_settings")
    op.drop_table("sla_policies")
