"""People and cards for tests on a real database: a Slack identity made into the person it is, acting with roles;
and the queries tests read owners, actors and cards with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, func, select

from handlers.domain.complaint import Actor, Role
from handlers.domain.people import Identity
from handlers.ports.unit_of_work import UnitOfWorkFactory
from storage.sql.tables import complaint_cards, complaints, person_identities

AGENT = frozenset({Role.AGENT})


def slack_person(uow_factory: UnitOfWorkFactory, user_id: str, name: str, roles: frozenset[Role] = AGENT) -> Actor:
    """The person with this Slack user id (added on first sight), acting from Slack."""
    with uow_factory() as uow:
        person = uow.people.resolve(Identity("slack", user_id, name))
        uow.commit()
    return person.actor("slack", roles)


def owner_column() -> Any:
    """A complaint's owner as their Slack user id (a column to select, with `owners_joined`)."""
    return person_identities.c.external_id.label("owner_id")


def owners_joined() -> Any:
    """Complaints with their owner's Slack identity, for selecting `owner_column()`."""
    return complaints.outerjoin(
        person_identities,
        (person_identities.c.person_id == complaints.c.owner_person_id) & (person_identities.c.surface == "slack"),
    )


def slack_ids(connection: Connection) -> dict[str, str]:
    """Person key -> Slack user id, for reading the audit trail's actors."""
    rows = connection.execute(
        select(person_identities.c.person_id, person_identities.c.external_id).where(
            person_identities.c.surface == "slack"
        )
    )
    return {str(person): external for person, external in rows}


def uncarded() -> Any:
    """A query for complaints with no card out on any surface."""
    return select(complaints.c.id).where(~exists().where(complaint_cards.c.complaint_id == complaints.c.id))


def carded_count() -> Any:
    """A query for how many complaints have a card out."""
    return select(func.count(func.distinct(complaint_cards.c.complaint_id)))
