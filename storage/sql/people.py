"""People in SQL: one row per person, their identities per surface, found (or made) by the identity a face sees."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from handlers.domain.people import Identity, Person
from handlers.ports.clock import Clock
from storage.sql.set_queries import insert_or_ignore
from storage.sql.tables import people, person_identities


def _person(row: RowMapping) -> Person:
    return Person(row["id"], row["display_name"], dict(row["identities"] or {}), row["email"])


class SqlPeople:
    """The `people` and `person_identities` tables."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def _by_identity(self, surface: str, external_id: str) -> Person | None:
        query = (
            select(people)
            .join(person_identities, person_identities.c.person_id == people.c.id)
            .where(person_identities.c.surface == surface, person_identities.c.external_id == external_id)
        )
        row = self._c.execute(query).mappings().first()
        return _person(row) if row else None

    def resolve(self, identity: Identity) -> Person:
        """The person with this identity: found, linked to the person with the same email, or added."""
        found = self._by_identity(identity.surface, identity.external_id)
        name = identity.name or (found.name if found else identity.external_id)
        if found is not None:
            if identity.name and identity.name != found.name:
                self._c.execute(update(people).where(people.c.id == found.id).values(display_name=name))
                return Person(found.id, name, found.handles, found.email)
            return found
        now = self._clock.now()
        email = identity.email.lower() if identity.email else None
        same = None
        if email:
            row = self._c.execute(select(people).where(func.lower(people.c.email) == email)).mappings().first()
            same = _person(row) if row else None
        if same is not None:
            handles = {**same.handles, identity.surface: identity.external_id}
            self._c.execute(update(people).where(people.c.id == same.id).values(identities=handles, updated_at=now))
            person = Person(same.id, same.name, handles, same.email)
        else:
            values = {"display_name": name, "email": email, "created_at": now, "updated_at": now}
            row_id = self._c.execute(
                insert(people)
                .values(**values, identities={identity.surface: identity.external_id})
                .returning(people.c.id)
            ).scalar_one()
            person = Person(row_id, name, {identity.surface: identity.external_id}, email)
        link = {"surface": identity.surface, "external_id": identity.external_id, "person_id": person.id}
        linked = insert_or_ignore(self._c, person_identities).values(**link, display_name=name)
        if self._c.execute(linked.returning(person_identities.c.person_id)).first() is not None:
            return person  # read back, not counted: the driver may not count the rows an ON CONFLICT statement wrote
        # a concurrent first click made them first: theirs is the person to use, and the row made here goes
        if same is None:
            self._c.execute(delete(people).where(people.c.id == person.id))
        winner = self._by_identity(identity.surface, identity.external_id)
        assert winner is not None
        return winner

    def get_many(self, keys: Collection[str]) -> dict[str, Person]:
        """The people with these keys (keys that are not people's are left out)."""
        ids = sorted({int(k) for k in keys if str(k).isdigit()})
        if not ids:
            return {}
        rows = self._c.execute(select(people).where(people.c.id.in_(ids))).mappings()
        return {str(row["id"]): _person(row) for row in rows}
