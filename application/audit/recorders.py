"""The library's application recorders, writing each event's leaf hash in the event's own transaction.

Selected with the library's `APPLICATION_RECORDER_TOPIC` (application/settings.py). Leaves
go to their own table, `zhijian_event_leaves`: `leaf_index` (0, 1, 2, … in log order: the
Merkle tree's leaf number, dense because every insert holds the events table's write lock),
`position` (the event's notification id), the event's aggregate and version, and `leaf`
(application/audit/leaves.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import SQL, Identifier

from application.audit.leaves import event_leaf
from application.recorder_postgres import LedgerRecorder

LEAVES_TABLE = "zhijian_event_leaves"
CHECKPOINTS_TABLE = "zhijian_checkpoints"  # signed tree heads recorded now and then (application/audit/service.py)


def leaf_rows(positions: Sequence[int], stored_events: Sequence[StoredEvent]) -> list[tuple[int, UUID, int, bytes]]:
    """(position, originator id, version, leaf) of just-inserted events, in log order."""
    rows = []
    for position, s in zip(positions, stored_events, strict=True):
        oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
        rows.append((position, oid, s.originator_version, event_leaf(position, oid, s.originator_version, s.topic,
                                                                     s.state)))
    return sorted(rows, key=lambda r: r[0])


class LeafRecordingPostgresRecorder(LedgerRecorder):
    """PostgreSQL: the leaves are inserted by the events' own INSERT statement, under the same insert lock
    (the ledger's recorder: an advisory lock, bounded connections; application/recorder_postgres.py)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            # The library's insert function commits events without passing through Python.
            raise ProgrammingError("zhijian's leaf hashes need POSTGRES_ENABLE_DB_FUNCTIONS off")
        schema, table = Identifier(datastore.schema), Identifier(LEAVES_TABLE)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
            "leaf_index bigint PRIMARY KEY, position bigint NOT NULL UNIQUE, "
            "originator_id uuid NOT NULL, originator_version bigint NOT NULL, leaf bytea NOT NULL, "
            "UNIQUE (originator_id, originator_version))"
        ).format(schema=schema, table=table))
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{table} (id bigserial PRIMARY KEY, size bigint NOT NULL, "
            "root_hash text NOT NULL, signed_at text NOT NULL, signature text NOT NULL, key_id text NOT NULL)"
        ).format(schema=schema, table=Identifier(CHECKPOINTS_TABLE)))
        # One statement inserts the events and their leaves, hashed by the database (sha256, the
        # encoding of leaves.py): no extra round trip, nothing hashed in Python on the write path.
        self.insert_events_statement = SQL(
            "WITH ins AS ("
            "INSERT INTO {schema}.{events} AS t (originator_id, originator_version, topic, state) "
            "{rows} "
            "RETURNING notification_id, originator_id, originator_version, topic, state) "
            "INSERT INTO {schema}.{table} (leaf_index, position, originator_id, originator_version, leaf) "
            "SELECT (SELECT COALESCE(MAX(leaf_index), -1) FROM {schema}.{table}) "
            "+ row_number() OVER (ORDER BY notification_id), notification_id, originator_id, originator_version, "
            "sha256('\\x00'::bytea || 'ZJE1'::bytea || int8send(notification_id) || uuid_send(originator_id) "
            "|| int8send(originator_version) || int4send(octet_length(convert_to(topic, 'UTF8'))) "
            "|| convert_to(topic, 'UTF8') || int4send(octet_length(state)) || state) "
            "FROM ins ORDER BY notification_id RETURNING position AS notification_id"
        ).format(schema=schema, table=table, events=Identifier(events_table_name),
                 rows=self.inserted_rows)


class LeafRecordingSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite: the leaves are inserted in the events' transaction (writers are serialised by SQLite)."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.insert_leaf_statement = (
            f"INSERT INTO {LEAVES_TABLE} (leaf_index, position, originator_id, originator_version, leaf) "
            f"VALUES ((SELECT COALESCE(MAX(leaf_index), -1) + 1 FROM {LEAVES_TABLE}), ?, ?, ?, ?)"
        )

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), (
            f"CREATE TABLE IF NOT EXISTS {LEAVES_TABLE} ("
            "leaf_index INTEGER PRIMARY KEY, position INTEGER NOT NULL UNIQUE, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, leaf BLOB NOT NULL, "
            "UNIQUE (originator_id, originator_version))"
        ), (
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, "
            "root_hash TEXT NOT NULL, signed_at TEXT NOT NULL, signature TEXT NOT NULL, key_id TEXT NOT NULL)"
        )]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.executemany(self.insert_leaf_statement,
                          [(p, oid.hex, v, leaf) for p, oid, v, leaf in leaf_rows(ids, stored_events)])
        return ids
