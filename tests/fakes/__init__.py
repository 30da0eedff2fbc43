"""Fakes of the core's own ports, for unit tests: in memory, no I/O, with the same compare-and-set semantics. One
module per port; the names tests use are here."""

from tests.fakes.coordination import FakeDedupe
from tests.fakes.gateways import FakeSocial, FakeTickets
from tests.fakes.state import SURFACE, FakeState
from tests.fakes.surfaces import FakeChat, card_ref, plain
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork

__all__ = [
    "SURFACE",
    "FakeChat",
    "FakeDatabase",
    "FakeDedupe",
    "FakeSocial",
    "FakeState",
    "FakeTickets",
    "FakeUnitOfWork",
    "card_ref",
    "plain",
]
