"""complaints keep the address of their author's profile, as the network gave it

A Mastodon account's profile is at the `url` its instance gives, which need not be on the
host its handle names (a server's web address may differ from its handle's domain); no link
built from the handle can stand in for it.

Revision ID: 0012_profile_links
Revises: 0011
Create Date: 2026-12-07 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_profile_links"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("author_url", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("author_url")
