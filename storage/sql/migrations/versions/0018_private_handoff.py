"""the private hand-off and satisfaction

Each case records the private conversation Squeaky opened with its customer on their network (an X direct message,
a Bluesky chat, a Mastodon direct post): our first message, where it stands, the conversation, or the refusal; and
the satisfaction question asked privately when it closed, with the customer's rating. A customer's entry records
that they answered "stop".

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRIVATE = (
    ("private_text", sa.Text()),
    ("private_status", sa.String(16)),
    ("private_conversation_id", sa.String(255)),
    ("private_message_id", sa.String(255)),
    ("private_error", sa.Text()),
    ("survey_asked_at", sa.DateTime(timezone=True)),
    ("survey_rating", sa.Integer()),
    ("survey_answered_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("complaints") as batch:
        for name, kind in _PRIVATE:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("private_stopped_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("private_stopped_at")
    with op.batch_alter_table("complaints") as batch:
        for name, _kind in reversed(_PRIVATE):
            batch.drop_column(name)
