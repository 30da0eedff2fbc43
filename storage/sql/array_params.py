"""Array parameters written faster: the same PostgreSQL text that psycopg writes, built in one join.

Intake passes every batch's ids, keys and columns as arrays (`= ANY(...)`, `unnest(...)`): thousands of elements a
batch. psycopg's own list dumper runs two regular expressions per element; this one writes a list of strings (each
quoted, `"` and `\\` escaped) or of integers in one join, and leaves every other list to psycopg unchanged.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.array import ListDumper


def array_text(values: list[Any], encoding: str = "utf-8") -> bytes | None:
    """The PostgreSQL array text of a flat list of strings or of integers, or None for any other list."""
    if not values:
        return None
    kind = type(values[0])
    if kind is str:
        if not all(type(value) is str for value in values):
            return None
        quoted = (
            '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            if ("\\" in value or '"' in value)
            else '"' + value + '"'
            for value in values
        )
        return ("{" + ",".join(quoted) + "}").encode(encoding)
    if kind is int:
        if not all(type(value) is int for value in values):
            return None
        return ("{" + ",".join(map(str, values)) + "}").encode("ascii")
    return None


class FastListDumper(ListDumper):
    """psycopg's text list dumper, with lists of strings or of integers written in one join (same text, same type)."""

    def dump(self, obj: list[Any]) -> Any:
        """The array's text: ours for flat lists of strings or integers, psycopg's for the rest."""
        connection = self.connection
        encoding = connection.info.encoding if connection is not None else "utf-8"
        written = array_text(obj, encoding) if self.sub_dumper is not None else None
        return written if written is not None else super().dump(obj)


def register(dbapi_connection: Any) -> None:
    """Use FastListDumper for lists on this psycopg connection."""
    dbapi_connection.adapters.register_dumper(list, FastListDumper)
