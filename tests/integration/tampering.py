"""Changing the stored log as a superuser would, below the application: triggers off, then raw SQL."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

from application.settings import Settings


class Tamperer:
    """Raw access to one store's events table with its immutability triggers out of the way."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pg = settings.is_postgres
        self.table, self.position = ("zhijian_events", "notification_id") if self.pg else ("stored_events", "rowid")

    @contextmanager
    def _conn(self) -> Any:
        if self.pg:
            with psycopg.connect(self.settings.database_url, autocommit=False) as conn:
                conn.execute("SET session_replication_role = replica")  # a superuser's way past the triggers
                yield conn
                conn.commit()
        else:
            conn = sqlite3.connect(self.settings.sqlite_path)
            for op in ("update", "delete"):
                for table in ("stored_events", "zhijian_event_leaves"):
                    conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.pg else text

    def _oid(self, oid: UUID) -> Any:
        return oid if self.pg else oid.hex

    def row(self, position: int) -> tuple[UUID, int, str, bytes]:
        with self._conn() as conn:
            oid, version, topic, state = conn.execute(self._sql(
                f"SELECT originator_id, originator_version, topic, state FROM {self.table} WHERE {self.position} = ?"),
                (position,)).fetchone()
        return (oid if isinstance(oid, UUID) else UUID(oid)), version, topic, bytes(state)

    def position_of(self, oid: UUID, version: int) -> int:
        with self._conn() as conn:
            return conn.execute(self._sql(f"SELECT {self.position} FROM {self.table} WHERE originator_id = ? "
                                          "AND originator_version = ?"), (self._oid(oid), version)).fetchone()[0]

    def alter_one_byte(self, position: int, needle: bytes, replacement: bytes) -> None:
        """Replaces one byte of the stored state (e.g. 'compliant' -> 'compliaNt')."""
        *_, state = self.row(position)
        assert len(needle) == len(replacement) == 1 or state.count(needle) >= 1
        changed = state.replace(needle, replacement, 1)
        assert changed != state and len(changed) == len(state)
        with self._conn() as conn:
            conn.execute(self._sql(f"UPDATE {self.table} SET state = ? WHERE {self.position} = ?"), (changed, position))

    def delete(self, position: int) -> None:
        with self._conn() as conn:
            conn.execute(self._sql(f"DELETE FROM {self.table} WHERE {self.position} = ?"), (position,))

    def insert_forged(self, oid: UUID, version: int, topic: str, state: bytes) -> int:
        """A row written straight into the table (it gets the next position); returns its position."""
        with self._conn() as conn:
            conn.execute(self._sql(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "
                                   "VALUES (?, ?, ?, ?)"), (self._oid(oid), version, topic, state))
            return conn.execute(f"SELECT MAX({self.position}) FROM {self.table}").fetchone()[0]

    def swap(self, a: int, b: int) -> None:
        """Exchanges the log positions of two events."""
        with self._conn() as conn:
            for old, new in ((a, -1), (b, a), (-1, b)):
                conn.execute(self._sql(f"UPDATE {self.table} SET {self.position} = ? WHERE {self.position} = ?"),
                             (new, old))
