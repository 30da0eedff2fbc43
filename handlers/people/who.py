"""Who is acting: the identity a face saw, as the person they are, with the roles the face's directory gives."""

from __future__ import annotations

import threading
import time

from handlers.domain.complaint import Actor, Role
from handlers.domain.people import Identity, Person
from handlers.ports.unit_of_work import UnitOfWorkFactory

REMEMBER_SECONDS = 300.0  # a person is looked up again after this long (a new name shows within five minutes)


class Who:
    """Turns identities into people, remembering recent ones so a click costs no extra transaction."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory
        self._known: dict[tuple[str, str], tuple[Person, float]] = {}
        self._lock = threading.Lock()

    def person(self, identity: Identity) -> Person:
        """The person with this identity (found, linked by email, or added)."""
        key = (identity.surface, identity.external_id)
        with self._lock:
            known = self._known.get(key)
        fresh = known is not None and time.monotonic() - known[1] < REMEMBER_SECONDS
        if known is not None and fresh and (not identity.name or identity.name == known[0].name):
            return known[0]
        with self._uow() as uow:
            person = uow.people.resolve(identity)
            uow.commit()
        with self._lock:
            self._known[key] = (person, time.monotonic())
        return person

    def actor(self, identity: Identity, roles: frozenset[Role]) -> Actor:
        """The person with this identity, acting from its surface with `roles`."""
        return self.person(identity).actor(identity.surface, roles)
