"""a queue's arrivals counted per intake transaction, so its usual rate is read in a few rows

The usual rate a surge of similar complaints is measured against (what a queue received over the
last day) was a count over the complaints themselves: a cost that grew with the day's traffic,
paid by every batch that held a run of similar complaints. Each intake transaction now adds one
row per queue it opened cases on (how many, when); the rate is their sum, and rows older than a
day are forgotten. The last day's complaints are counted in at upgrade.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "queue_arrivals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_arrivals")),
    )
    with op.batch_alter_table("queue_arrivals") as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_arrivals_queue_at"), ["queue", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_arrivals_at"), ["at"], unique=False)
    bind = op.get_bind()
    latest = bind.execute(sa.text("SELECT max(received_at) FROM complaints")).scalar()
    if latest is None:
        return
    postgres = bind.dialect.name == "postgresql"
    if isinstance(latest, str):  # SQLite keeps the text
        latest = datetime.fromisoformat(latest)
    since = latest - timedelta(days=1)
    hour = "date_trunc('hour', received_at)" if postgres else "strftime('%Y-%m-%d %H', received_at)"
    insert = "INSERT INTO queue_arrivals (queue, at, count) SELECT queue, max(received_at), count(*) FROM complaints "
    bind.execute(  # the last day's complaints, per queue and hour
        sa.text(insert + "WHERE received_at >= :since GROUP BY queue, " + hour),
        {"since": since if postgres else since.strftime("%Y-%m-%d %H:%M:%S.%f")},
    )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("queue_arrivals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_arrivals_at"))
        batch_op.drop_index(batch_op.f("ix_queue_arrivals_queue_at"))
    op.drop_table("queue_arrivals")
