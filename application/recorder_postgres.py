"""The ledger's PostgreSQL persistence module (PERSISTENCE_MODULE): the library's, with
inserts serialised by an advisory lock and every connection bounded in time.

- The lock: the library serialises inserts (so that notification ids commit in the order
  they are issued, and readers never pass over a gap filled in later) with `LOCK TABLE …
  IN EXCLUSIVE MODE`. PostgreSQL grants that lock mode only to a role holding UPDATE,
  DELETE or TRUNCATE on the table, which the service's role must not hold (least
  privilege, application/db_roles.py). A transaction-scoped advisory lock that every
  writer of the log takes serialises the inserts just the same and needs no privilege.
  Every writer is this recorder: the ledger, the census import, the CLI.
- Time: every pooled connection has a connect timeout, TCP keepalives and a statement
  timeout (application/settings.py); a pool gives up reconnecting after a few seconds
  rather than backing off for minutes (the next request that needs a connection starts
  afresh), so it is ready again as soon as the database is back; a call that fails on a
  connection the server closed (a restart) is tried once more, not ten times with waits.
- The check of a pooled connection as it is taken (POSTGRES_PRE_PING, so that after a
  restart no command meets a dead connection): the library's pings the server, a round
  trip before every command (13 % of a busy server's samples). A connection the server
  closed (a restart, a crash, pg_terminate_backend) has its end of file waiting on the
  socket, and an idle healthy one has nothing to read: the socket is looked at first (no
  round trip) and only a connection with something to read is pinged.
- The commit: the library sends its insert transaction's statements in a pipeline, waits
  for their results, then sends COMMIT: the insert lock is held across a round trip and
  until the client's thread runs again, which under a server's threads (the GIL) is often
  milliseconds, and the commands queue behind it. Here COMMIT goes in the same pipeline:
  one round trip, and the lock is held only while the server works (Ledger.record from 8
  threads: 274-322/s before, about 350/s after, runs alternating).
- The insert: the library passes a batch as one array of a composite type, which psycopg
  writes out as text in Python (escaping every byte of every event's state), about 60 µs
  an event; the same rows as four arrays of plain columns in binary cost a fifth of that
  (census import and generator batches; bench/census.py). Same statement otherwise: the
  rows inserted in order, their notification ids returned in that order.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

import eventsourcing.postgres as library
from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from application.settings import KEEPALIVES

INSERT_LOCK = "zhijian-events-insert"
RECONNECT_GIVE_UP_SECONDS = 0.5


def _once_more(method: Callable[..., Any]) -> Callable[..., Any]:
    """The library's method without its retries (10 attempts, each up to the pool timeout): tried once more
    only when a connection broke (a restart), never after the pool could not give one in time."""
    bare = getattr(method, "__wrapped__", method)

    @wraps(bare)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return bare(*args, **kwargs)
        except (InterfaceError, OperationalError) as e:
            from psycopg_pool import PoolTimeout

            if isinstance(e.__cause__, PoolTimeout):
                raise
            return bare(*args, **kwargs)

    return call


def check_when_readable(conn: Any) -> None:
    """The pool's check of a connection it is about to hand out: pinged only when its socket has something to
    read (an idle connection has nothing; one the server closed has its end of file), see above."""
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        ConnectionPool.check_connection(conn)


class LedgerRecorder(library.PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT pg_advisory_xact_lock(hashtext({0}))").format(INSERT_LOCK),
        ]
        # The batch's rows, as the parameters of `_insert_stored_events` give them.
        self.inserted_rows = SQL(
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "AS s(originator_id, originator_version, topic, state)"
        ).format(id_type=Identifier(self.datastore.originator_id_type))
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) {rows} "
            "RETURNING notification_id"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name),
                 rows=self.inserted_rows)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        """The library's insert (lock, notify, insert) with the batch as columns, not composites (see above)."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self.insert_events_statement, (
            [e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
            [e.topic for e in stored_events], [e.state for e in stored_events]))

    def _insert_in_one_round_trip(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The library's insert, with its COMMIT sent in the same pipeline as the statements (see above): one
        round trip, and the insert lock released by the server as soon as the rows are in, whenever the
        client's thread next runs. A unique violation (an aggregate's version taken) is raised here, as the
        library's IntegrityError, and nothing is stored."""
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.pipeline() as pipeline, conn.cursor() as curs:
            with conn.transaction():
                self._insert_events(curs, stored_events, **kwargs)
                self._insert_stored_events(curs, stored_events, **kwargs)
            pipeline.sync()  # BEGIN ... COMMIT run; the first error, if any, is raised here
            ids = [row["notification_id"] for row in curs.fetchall()]
        if len(ids) != len(stored_events):
            raise ProgrammingError(f"inserted {len(stored_events)} events, got {len(ids)} notification ids")
        return ids

    insert_events = _once_more(_insert_in_one_round_trip)
    select_events = _once_more(library.PostgresApplicationRecorder.select_events)
    select_notifications = _once_more(library.PostgresApplicationRecorder.select_notifications)
    max_notification_id = _once_more(library.PostgresApplicationRecorder.max_notification_id)


class Factory(library.PostgresFactory):
    application_recorder_class = LedgerRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        connect_timeout = int(self.env.get("ZHIJIAN_DB_CONNECT_TIMEOUT") or 2)
        statement_ms = int(self.env.get("ZHIJIAN_DB_STATEMENT_TIMEOUT_MS") or 0)
        assert isinstance(pool.kwargs, dict)  # noqa: S101 - psycopg_pool keeps the connection kwargs as a dict
        pool.kwargs.update(connect_timeout=connect_timeout, **KEEPALIVES)
        if statement_ms:
            pool.kwargs["options"] = f"-c statement_timeout={statement_ms}"
        pool.reconnect_timeout = RECONNECT_GIVE_UP_SECONDS
        # POSTGRES_PRE_PING made the check; the library gives no other way to choose it than its attribute.
        if pool._check is not None:
            pool._check = check_when_readable
