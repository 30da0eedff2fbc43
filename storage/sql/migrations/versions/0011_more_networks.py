"""complaints from Bluesky and Mastodon: a post's CID and visibility, and handles as long as those networks allow

A Bluesky reply names its parent and root by URI and CID; a Mastodon post says who may see
it, and a direct or followers-only one never gets a public reply. Bluesky handles are domain
names and Mastodon's are user@instance, so handles, the registry's keys and reply ids (a
Bluesky post's id is its at:// URI) widen to 255.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WIDER = {
    "complaints": ("author_handle", "author_key", "reply_post_id"),
    "messages": ("author_handle",),
    "customers": ("handle",),
}


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("post_cid", sa.String(128), nullable=True))
        batch_op.add_column(sa.Column("visibility", sa.String(16), nullable=True))
    for table, columns in _WIDER.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=sa.String(255), existing_type=sa.String(64))


def downgrade() -> None:
    """Revert this migration."""
    for table, columns in _WIDER.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=sa.String(64), existing_type=sa.String(255))
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("visibility")
        batch_op.drop_column("post_cid")
