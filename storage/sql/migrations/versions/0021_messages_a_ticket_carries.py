"""which ticket carries each message

A ticket is made with the case's conversation as it stood on its first try; a private message that comes later is
added to it as a comment. Each message names the ticket request that carried it, so a retried creation sends the same
conversation and the messages after it are added once each.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("ticket_key", sa.String(200), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("ticket_key")
