"""people with identities per surface, cards per surface and channel, outbox lanes per surface and channel

Existing Slack user ids (owners, the audit trail's actors, the on-call roster) become people with a Slack
identity; existing cards become Slack cards in complaint_cards; pending chat messages in the outbox are
addressed to Slack, in the lane of their channel.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 19:00:00.000000
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CHAT_KINDS = {
    "card.post",
    "card.post.reserved",
    "card.update",
    "card.followup",
    "card.log",
    "chat.announce",
    "chat.dm",
}
_OTHER_LANES = {"x.reply": "social", "ticket.create": "tickets", "page": "pager"}


def _lane(kind: str, channel: str) -> str:
    """The lane of a message addressed to Slack, as handlers.outbox.kinds.lane_of named it when this was written."""
    if kind not in _CHAT_KINDS:
        return _OTHER_LANES.get(kind, kind)
    if kind == "chat.dm":
        return "slack:dm"
    lane = f"slack:{channel or '*'}"
    if kind == "card.update":
        return f"{lane}:update"
    return f"{lane}:reserve" if kind == "card.post.reserved" else lane


def _create_tables() -> None:
    op.create_table(
        "people",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("identities", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_email"), "people", ["email"])
    op.create_table(
        "person_identities",
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_identities_person_id_people")),
        sa.PrimaryKeyConstraint("surface", "external_id", name=op.f("pk_person_identities")),
    )
    op.create_index(op.f("ix_person_identities_person_id"), "person_identities", ["person_id"])
    op.create_table(
        "complaint_cards",
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_cards_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("complaint_id", "surface", "channel", name=op.f("pk_complaint_cards")),
    )


class _People:
    """The people this migration makes, one per (surface, id)."""

    def __init__(self, bind: sa.Connection) -> None:
        self._bind = bind
        self._ids: dict[tuple[str, str], int] = {}
        self._now = datetime.now(UTC)

    def key(self, surface: str, external_id: str, name: str) -> str:
        """The person's key for this identity, made on first sight."""
        found = self._ids.get((surface, external_id))
        if found is None:
            people = sa.table(
                "people",
                sa.column("id", Id),
                sa.column("display_name"),
                sa.column("identities", sa.JSON()),
                sa.column("created_at"),
                sa.column("updated_at"),
            )
            row = {"display_name": name or external_id, "identities": {surface: external_id}}
            found = self._bind.execute(
                sa.insert(people).values(**row, created_at=self._now, updated_at=self._now).returning(people.c.id)
            ).scalar_one()
            self._bind.execute(
                sa.text(
                    "INSERT INTO person_identities (surface, external_id, person_id, display_name) "
                    "VALUES (:s, :e, :p, :n)"
                ),
                {"s": surface, "e": external_id, "p": found, "n": name or external_id},
            )
            self._ids[(surface, external_id)] = found
        return str(found)


def _move_people_and_cards(bind: sa.Connection) -> None:
    people = _People(bind)
    rows = bind.execute(
        sa.text(
            "SELECT id, owner_id, owner_name, owner_surface, card_channel, card_message_id, received_at "
            "FROM complaints WHERE owner_id IS NOT NULL OR card_message_id IS NOT NULL"
        )
    ).all()
    for row in rows:
        if row.owner_id is not None:
            key = people.key(row.owner_surface or "slack", row.owner_id, row.owner_name or row.owner_id)
            bind.execute(
                sa.text("UPDATE complaints SET owner_person_id = :p WHERE id = :id"), {"p": int(key), "id": row.id}
            )
        if row.card_message_id is not None:
            cards = sa.table(
                "complaint_cards",
                sa.column("complaint_id"),
                sa.column("surface"),
                sa.column("channel"),
                sa.column("reference", sa.JSON()),
                sa.column("posted_at"),
            )
            bind.execute(
                sa.insert(cards).values(
                    complaint_id=row.id,
                    surface="slack",
                    channel=row.card_channel,
                    reference={"message": row.card_message_id},
                    posted_at=row.received_at,
                )
            )
    actors = bind.execute(
        sa.text("SELECT DISTINCT actor_id, actor_name, surface FROM audit_events WHERE surface <> 'system'")
    ).all()
    for actor in actors:
        key = people.key(actor.surface, actor.actor_id, actor.actor_name)
        bind.execute(
            sa.text("UPDATE audit_events SET actor_id = :k WHERE actor_id = :a AND surface = :s"),
            {"k": key, "a": actor.actor_id, "s": actor.surface},
        )
    _move_settings(bind, people)


def _move_settings(bind: sa.Connection, people: _People) -> None:
    settings = sa.table("team_settings", sa.column("name"), sa.column("value", sa.JSON()))
    for name, value in bind.execute(sa.select(settings.c.name, settings.c.value)).all():
        new_name, new_value = name, value
        if name == "oncall.roster" and value:
            new_value = {**value, "users": [people.key("slack", u, u) for u in value.get("users") or []]}
        elif name.startswith("announcement:") and value:
            new_name = "announcement:slack:" + name.removeprefix("announcement:")
            new_value = {"surface": "slack", "channel": value["channel"], "data": {"message": value["message_id"]}}
        if (new_name, new_value) != (name, value):
            bind.execute(sa.update(settings).where(settings.c.name == name).values(name=new_name, value=new_value))


def _address_the_outbox(bind: sa.Connection) -> None:
    outbox = sa.table(
        "outbox",
        sa.column("id"),
        sa.column("kind"),
        sa.column("key"),
        sa.column("payload", sa.JSON()),
        sa.column("complaint_id"),
        sa.column("lane"),
        sa.column("status"),
    )
    channels: dict[int, str] = dict(bind.execute(sa.text("SELECT complaint_id, channel FROM complaint_cards")).all())
    slack_people = _slack_people(bind)
    pending = bind.execute(
        sa.select(outbox.c.id, outbox.c.kind, outbox.c.key, outbox.c.payload, outbox.c.complaint_id).where(
            outbox.c.status == "pending"
        )
    ).all()
    for row in pending:
        values: dict[str, Any] = {}
        if row.kind in _CHAT_KINDS:
            channel = channels.get(row.complaint_id, "")
            values = {
                "payload": {**(row.payload or {}), "surface": "slack", "channel": channel},
                "key": f"{row.key}@slack",
            }
            if row.kind == "chat.dm" and (row.payload or {}).get("user"):
                user = row.payload["user"]
                values["payload"]["user"] = slack_people.get(user, user)
        values["lane"] = _lane(row.kind, str((values.get("payload") or {}).get("channel") or ""))
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))


def _slack_people(bind: sa.Connection) -> dict[str, str]:
    """Slack user id -> person key, as made above."""
    rows = bind.execute(sa.text("SELECT external_id, person_id FROM person_identities WHERE surface = 'slack'")).all()
    return {external_id: str(person_id) for external_id, person_id in rows}


def upgrade() -> None:
    """Apply this migration."""
    _create_tables()
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("owner_person_id", Id, nullable=True))
        batch_op.create_foreign_key(op.f("fk_complaints_owner_person_id_people"), "people", ["owner_person_id"], ["id"])
        batch_op.alter_column("owner_name", existing_type=sa.String(length=128), type_=sa.String(length=255))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("lane", sa.String(length=300), server_default="", nullable=False))
        batch_op.alter_column("key", existing_type=sa.String(length=200), type_=sa.String(length=255))
    bind = op.get_bind()
    _move_people_and_cards(bind)
    _address_the_outbox(bind)
    with op.batch_alter_table("complaints") as batch_op:
        for column in ("owner_id", "owner_surface", "card_channel", "card_message_id"):
            batch_op.drop_column(column)


def downgrade() -> None:
    """Revert this migration: owners and cards go back onto the complaint (Slack's only), people and lanes go; the
    audit trail keeps naming people by their keys."""
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("owner_surface", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("card_channel", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("card_message_id", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    owners = bind.execute(
        sa.text(
            "SELECT c.id, i.external_id, i.surface FROM complaints c JOIN person_identities i "
            "ON i.person_id = c.owner_person_id"
        )
    ).all()
    for complaint_id, external_id, surface in owners:
        bind.execute(
            sa.text("UPDATE complaints SET owner_id = :o, owner_surface = :s WHERE id = :id"),
            {"o": external_id, "s": surface, "id": complaint_id},
        )
    cards = bind.execute(
        sa.text("SELECT complaint_id, channel, reference FROM complaint_cards WHERE surface = 'slack'")
    ).all()
    for complaint_id, channel, reference in cards:
        message = (json.loads(reference) if isinstance(reference, str) else reference or {}).get("message")
        bind.execute(
            sa.text("UPDATE complaints SET card_channel = :c, card_message_id = :t WHERE id = :id"),
            {"c": channel, "t": message, "id": complaint_id},
        )
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_constraint(op.f("fk_complaints_owner_person_id_people"), type_="foreignkey")
        batch_op.drop_column("owner_person_id")
        batch_op.alter_column("owner_name", existing_type=sa.String(length=255), type_=sa.String(length=128))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("lane")
        batch_op.alter_column("key", existing_type=sa.String(length=255), type_=sa.String(length=200))
    op.drop_table("complaint_cards")
    op.drop_index(op.f("ix_person_identities_person_id"), table_name="person_identities")
    op.drop_table("person_identities")
    op.drop_index(op.f("ix_people_email"), table_name="people")
    op.drop_table("people")
