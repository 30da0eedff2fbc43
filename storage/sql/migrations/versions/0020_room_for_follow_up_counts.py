"""room in each page of complaints for their follow-up counts

A complaint's follow-up count changes with every follow-up, and only the count: with a fifth of each page left free,
PostgreSQL writes the new version beside the old one and touches none of the table's ten indexes (a HOT update).
Pages filled to the brim by intake's COPY sent every such update to another page, through every index. Existing
pages keep their fill until rewritten; new rows get the room.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-07 18:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 80


def upgrade() -> None:
    """Apply this migration (PostgreSQL; SQLite has no fill factor)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE complaints SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE complaints RESET (fillfactor)")
