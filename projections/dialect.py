"""The two SQL dialects the views speak: PostgreSQL (psycopg) and SQLite (sqlite3).

Statements are written once with `%s` placeholders and PostgreSQL types; the SQLite
dialect rewrites placeholders and stores dates and timestamps as fixed-width ISO text
(UTC, microseconds), which compares in the same order as the values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True)
class Dialect:
    name: str  # "postgres" | "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    @property
    def code_point_order(self) -> str:
        """A collation that sorts text by code point, as Python does (SQLite's default already does)."""
        return ' COLLATE "C"' if self.is_postgres else ""

    def contains(self, column: str, parameter: str = "%s") -> str:
        """`column` contains the parameter's text literally (no wildcards, no case folding)."""
        return f"strpos({column}, {parameter}) > 0" if self.is_postgres else f"instr({column}, {parameter}) > 0"

    def sql(self, statement: str) -> str:
        if self.is_postgres:
            return statement
        return _NAMED.sub(r":\1", statement).replace("%s", "?")

    def ddl(self, statement: str) -> str:
        """A CREATE statement in this dialect's types (`{C}`: sorted by code point, see code_point_order)."""
        statement = statement.replace("{C}", self.code_point_order)
        if self.is_postgres:
            return statement
        return (
            statement.replace("TIMESTAMPTZ", "TEXT")
            .replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace(" DATE", " TEXT")
            .replace("BOOLEAN", "INTEGER")
            .replace("BYTEA", "BLOB")
        )

    def params(self, values: Sequence[Any] | Mapping[str, Any]) -> Any:
        if isinstance(values, Mapping):
            return dict(values) if self.is_postgres else {k: _to_sqlite(v) for k, v in values.items()}
        if self.is_postgres:
            return tuple(values)
        return tuple(_to_sqlite(v) for v in values)


_NAMED = re.compile(r"%\((\w+)\)s")


def _to_sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def timestamp_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def required_date(value: Any) -> date:
    """As `as_date`, for a NOT NULL column."""
    day = as_date(value)
    if day is None:
        raise ValueError("NULL read from a NOT NULL date column")
    return day


def required_datetime(value: Any) -> datetime:
    """As `as_datetime`, for a NOT NULL column."""
    moment = as_datetime(value)
    if moment is None:
        raise ValueError("NULL read from a NOT NULL timestamp column")
    return moment


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def to_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)


POSTGRES = Dialect("postgres")
SQLITE = Dialect("sqlite")
