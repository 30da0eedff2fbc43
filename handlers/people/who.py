"""Who is acting: the identity a face saw, as the person they are, with the roles the face's directory gives.

A person is resolved once (a transaction that finds, links or adds them) and remembered: in this process, and in the
shared values every process reads (Redis), with an expiry, so a click in another web process costs no transaction
before its answer either."""

from __future__ import annotations

import json
import threading
import time

from handlers.domain.complaint import Actor, Role
from handlers.domain.people import Identity, Person
from handlers.ports.coordination import SharedValues
from handlers.ports.unit_of_work import UnitOfWorkFactory

REMEMBER_SECONDS = 300.0  # a person is looked up again after this long (a new name shows within five minutes)


class Who:
    """Turns identities into people, remembering recent ones so a click costs no extra transaction."""

    def __init__(self, uow_factory: UnitOfWorkFactory, shared: SharedValues | None = None) -> None:
        self._uow = uow_factory
        self._shared = shared
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
        person = self._from_shared(identity)
        if person is None:
            with self._uow() as uow:
                person = uow.people.resolve(identity)
                uow.commit()
            if self._shared is not None:
                self._shared.put(_shared_key(identity), _to_json(person), REMEMBER_SECONDS)
        with self._lock:
            self._known[key] = (person, time.monotonic())
        return person

    def _from_shared(self, identity: Identity) -> Person | None:
        """The person another process resolved lately (None: none did, or they had another name then)."""
        if self._shared is None:
            return None
        try:
            data = json.loads(self._shared.get(_shared_key(identity)) or "null")
            person = Person(data["id"], str(data["name"]), dict(data["handles"]), data.get("email"))
        except (TypeError, ValueError, KeyError):
            return None
        return person if not identity.name or identity.name == person.name else None

    def actor(self, identity: Identity, roles: frozenset[Role]) -> Actor:
        """The person with this identity, acting from its surface with `roles`."""
        return self.person(identity).actor(identity.surface, roles)


def _shared_key(identity: Identity) -> str:
    return f"who:{identity.surface}:{identity.external_id}"


def _to_json(person: Person) -> str:
    return json.dumps({"id": person.id, "name": person.name, "handles": dict(person.handles), "email": person.email})
