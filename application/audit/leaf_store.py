"""SQL over the stored events and their leaves, per backend: what the audit reads, the one back-fill it writes.

A `LogReader` reads inside one transaction (on PostgreSQL REPEATABLE READ, read only), so
that the events and the leaves it streams are of one moment however long the walk takes;
large reads go through server-side cursors (PostgreSQL) or SQLite's lazy cursors.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from application.audit.leaves import event_leaf
from application.audit.recorders import CHECKPOINTS_TABLE, LEAVES_TABLE

_BATCH = 5000
_END = 2**62
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventRow:
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class LeafRow:
    position: int
    leaf_index: int
    originator_id: UUID
    version: int
    leaf: bytes


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root_hash: str
    signed_at: str
    signature: str
    key_id: str


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class LogReader:
    """Reads of one consistent moment of the log (see the module's docstring)."""

    def __init__(self, conn: Any, is_postgres: bool, events: Any, leaves: Any) -> None:
        self._conn, self._pg = conn, is_postgres
        self._events, self._leaves = events, leaves  # composed identifiers (PostgreSQL) or names (SQLite)

    # -- plumbing ----------------------------------------------------------------------

    def _sql(self, template: str) -> Any:
        if self._pg:
            from psycopg import sql

            return sql.SQL(template.replace("?", "%s")).format(events=self._events, leaves=self._leaves)
        return template.format(events=self._events, leaves=self._leaves)

    def _stream(self, template: str, params: tuple[Any, ...]) -> Iterator[Any]:
        if self._pg:
            with self._conn.cursor(name=f"zhijian_audit_{secrets.token_hex(4)}") as cur:
                cur.itersize = _BATCH
                cur.execute(self._sql(template), params)
                yield from cur
        else:
            cur = self._conn.cursor()
            try:
                cur.execute(self._sql(template), params)
                yield from cur
            finally:
                with contextlib.suppress(sqlite3.ProgrammingError):  # a stream left unfinished outlived its store
                    cur.close()

    def _one(self, template: str, params: tuple[Any, ...]) -> Any:
        cur = self._conn.cursor()
        try:
            cur.execute(self._sql(template), params)
            return cur.fetchone()
        finally:
            cur.close()

    def _id(self, oid: UUID) -> Any:
        return oid if self._pg else oid.hex

    def _event(self, row: Any) -> EventRow:
        if self._pg:
            return EventRow(row["notification_id"], row["originator_id"], row["originator_version"], row["topic"],
                            bytes(row["state"]))
        return EventRow(row[0], _uuid(row[1]), row[2], row[3], bytes(row[4]))

    def _leaf(self, row: Any) -> LeafRow:
        if self._pg:
            return LeafRow(row["position"], row["leaf_index"], row["originator_id"], row["originator_version"],
                           bytes(row["leaf"]))
        return LeafRow(row[0], row[1], _uuid(row[2]), row[3], bytes(row[4]))

    @property
    def _position(self) -> str:
        return "notification_id" if self._pg else "rowid"

    # -- the whole log -------------------------------------------------------------------

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[EventRow]:
        """Stored events with start <= position <= stop, in log order."""
        p = self._position
        rows = self._stream(f"SELECT {p}, originator_id, originator_version, topic, state FROM {{events}} "
                            f"WHERE {p} >= ? AND {p} <= ? ORDER BY {p}", (start, _END if stop is None else stop))
        return (self._event(r) for r in rows)

    def leaves(self, start: int = 0, stop: int | None = None) -> Iterator[LeafRow]:
        """Leaves with start <= position <= stop, in log order."""
        rows = self._stream("SELECT position, leaf_index, originator_id, originator_version, leaf FROM {leaves} "
                            "WHERE position >= ? AND position <= ? ORDER BY position",
                            (start, _END if stop is None else stop))
        return (self._leaf(r) for r in rows)

    def leaf_hashes(self, first: int, end: int) -> Iterator[bytes]:
        """The leaf hashes numbered first <= leaf_index < end, in order."""
        rows = self._stream("SELECT leaf FROM {leaves} WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                            (first, end))
        return (bytes(r["leaf"] if self._pg else r[0]) for r in rows)

    def size(self) -> int:
        """How many leaves the log has: the Merkle tree's size."""
        row = self._one("SELECT COUNT(*) AS n FROM {leaves}", ())
        return int(row["n"] if self._pg else row[0])

    def last_position(self) -> int:
        row = self._one(f"SELECT MAX({self._position}) AS m FROM {{events}}", ())
        value = row["m"] if self._pg else row[0]
        return int(value or 0)

    # -- one event -------------------------------------------------------------------------

    def leaf_of(self, originator_id: UUID, version: int) -> LeafRow | None:
        row = self._one("SELECT position, leaf_index, originator_id, originator_version, leaf FROM {leaves} "
                        "WHERE originator_id = ? AND originator_version = ?", (self._id(originator_id), version))
        return None if row is None else self._leaf(row)

    def leaf_at(self, position: int) -> LeafRow | None:
        row = self._one("SELECT position, leaf_index, originator_id, originator_version, leaf FROM {leaves} "
                        "WHERE position = ?", (position,))
        return None if row is None else self._leaf(row)

    def event_of(self, originator_id: UUID, version: int) -> EventRow | None:
        p = self._position
        row = self._one(f"SELECT {p}, originator_id, originator_version, topic, state FROM {{events}} "
                        "WHERE originator_id = ? AND originator_version = ?", (self._id(originator_id), version))
        return None if row is None else self._event(row)

    # -- one aggregate ---------------------------------------------------------------------

    def aggregate_events(self, originator_id: UUID, after: int = 0, upto: int | None = None,
                         topic: str | None = None, limit: int | None = None) -> list[EventRow]:
        """One aggregate's stored events in (after, upto], of one topic if given, in version order."""
        p = self._position
        where, params = "originator_id = ? AND originator_version > ? AND originator_version <= ?", \
            [self._id(originator_id), after, _END if upto is None else upto]
        if topic is not None:
            where += " AND topic = ?"
            params.append(topic)
        tail = ""
        if limit is not None:
            tail, params = " LIMIT ?", [*params, limit]
        return [self._event(r) for r in self._stream(
            f"SELECT {p}, originator_id, originator_version, topic, state FROM {{events}} WHERE {where} "
            f"ORDER BY originator_version{tail}", tuple(params))]

    def aggregate_leaves(self, originator_id: UUID, after: int = 0, upto: int | None = None) -> dict[int, LeafRow]:
        """One aggregate's leaves in (after, upto], by version."""
        rows = self._stream("SELECT position, leaf_index, originator_id, originator_version, leaf FROM {leaves} "
                            "WHERE originator_id = ? AND originator_version > ? AND originator_version <= ?",
                            (self._id(originator_id), after, _END if upto is None else upto))
        return {leaf.version: leaf for leaf in map(self._leaf, rows)}


class LeafStore:
    """The leaf and checkpoint tables beside the application's stored events."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        from eventsourcing.postgres import PostgresApplicationRecorder

        self.is_postgres = isinstance(recorder, PostgresApplicationRecorder)
        self.datastore: Any = recorder.datastore  # type: ignore[attr-defined]
        if self.is_postgres:
            from psycopg import sql

            schema = self.datastore.schema or "public"
            self._events: Any = sql.Identifier(schema, recorder.events_table_name)  # type: ignore[attr-defined]
            self._leaves: Any = sql.Identifier(schema, LEAVES_TABLE)
            self._checkpoints: Any = sql.Identifier(schema, CHECKPOINTS_TABLE)
        else:
            self._events = recorder.events_table_name  # type: ignore[attr-defined]
            self._leaves, self._checkpoints = LEAVES_TABLE, CHECKPOINTS_TABLE

    @contextmanager
    def reading(self) -> Iterator[LogReader]:
        """A reader of one consistent moment of the log (see the module's docstring)."""
        if self.is_postgres:
            with self.datastore.get_connection() as conn, conn.transaction(force_rollback=True):
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield LogReader(conn, True, self._events, self._leaves)
        else:
            with self.datastore.get_connection(commit=False) as conn, conn.transaction(commit=False):
                yield LogReader(conn._sqlite_conn, False, self._events, self._leaves)

    # -- the one write besides the recorder's: back-filling a store older than its leaves --

    def backfill(self) -> int:
        """Gives leaves to the events of a store that has none yet (one written before leaves existed); idempotent.

        Only an empty leaf table is filled: an event that appears later without a leaf is
        reported by verify as inserted, never given one. Holds the events table's write lock
        (PostgreSQL; SQLite's writers are serialised anyway), so no event is written meanwhile.
        """
        filled = 0
        select: Any
        insert: Any  # SQL composed for PostgreSQL, text for SQLite
        with self.datastore.transaction(commit=True) as curs:
            if self.is_postgres:
                from psycopg import sql

                curs.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self._events))
                curs.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {}) AS any").format(self._leaves))
                if curs.fetchone()["any"]:
                    return 0
                select = sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                                 "WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(self._events)
                insert = sql.SQL("INSERT INTO {} (leaf_index, position, originator_id, originator_version, leaf) "
                                 "VALUES (%s, %s, %s, %s, %s)").format(self._leaves)
            else:
                curs.execute(f"SELECT EXISTS (SELECT 1 FROM {self._leaves})")
                if curs.fetchone()[0]:
                    return 0
                select = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {self._events} "
                          "WHERE rowid > ? ORDER BY rowid LIMIT ?")
                insert = (f"INSERT INTO {self._leaves} (leaf_index, position, originator_id, originator_version, "
                          "leaf) VALUES (?, ?, ?, ?, ?)")
            after = 0
            while True:
                curs.execute(select, (after, _BATCH))
                rows = curs.fetchall()
                if not rows:
                    break
                batch = []
                for row in rows:
                    e = (EventRow(row["notification_id"], row["originator_id"], row["originator_version"],
                                  row["topic"], bytes(row["state"])) if self.is_postgres
                         else EventRow(row[0], _uuid(row[1]), row[2], row[3], bytes(row[4])))
                    leaf = event_leaf(e.position, e.originator_id, e.version, e.topic, e.state)
                    oid = e.originator_id if self.is_postgres else e.originator_id.hex
                    batch.append((filled, e.position, oid, e.version, leaf))
                    filled += 1
                    after = e.position
                curs.executemany(insert, batch)
        if filled:
            log.warning("back-filled the leaf hashes of %d events recorded before leaves were kept", filled)
        return filled

    # -- checkpoints -------------------------------------------------------------------------

    def record_checkpoint(self, cp: CheckpointRow) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._checkpoint_sql("INSERT INTO {} (size, root_hash, signed_at, signature, key_id) "
                                              "VALUES (?, ?, ?, ?, ?)"),
                         (cp.size, cp.root_hash, cp.signed_at, cp.signature, cp.key_id))

    def latest_checkpoint(self) -> CheckpointRow | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._checkpoint_sql(
                "SELECT size, root_hash, signed_at, signature, key_id FROM {} ORDER BY id DESC LIMIT 1"))
            row = curs.fetchone()
        if row is None:
            return None
        return CheckpointRow(*(row[k] for k in ("size", "root_hash", "signed_at", "signature", "key_id"))) \
            if self.is_postgres else CheckpointRow(*row)

    def _checkpoint_sql(self, template: str) -> Any:
        if self.is_postgres:
            from psycopg import sql

            return sql.SQL(template.replace("?", "%s")).format(self._checkpoints)
        return template.format(self._checkpoints)
