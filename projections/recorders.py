"""The views' tracking recorders: the library's, with per-view table names and the
view's own tables, and one transaction that holds both the view's writes and its
tracking record (exactly once: a crash before commit leaves neither).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.rows import tuple_row
from psycopg_pool import PoolTimeout, TooManyRequests

from projections.dialect import POSTGRES, SQLITE, Dialect
from projections.tables import NEW, SCHEMA_TABLE, ViewTables

APPLICATION_NAME = "Zhijian"
# The Ledger's events table and the column of its log positions, as the library makes them on each store (its
# table prefix is APPLICATION_NAME; SQLite's positions are the rowid).
EVENTS_TABLE = {"postgres": (f"{APPLICATION_NAME.lower()}_events", "notification_id"),
                "sqlite": ("stored_events", "rowid")}
# Taken by every transaction that creates or changes the views' tables on PostgreSQL: processes starting at once
# would otherwise race on the catalogue (CREATE TABLE IF NOT EXISTS is not safe against a concurrent one).
VIEW_DDL_LOCK = "SELECT pg_advisory_xact_lock(hashtext('zhijian-view-ddl'))"  # the Ledger's name: the tracked sequence
# The library's marker that a tracking table is in its current (single-row) format.
_MIGRATED = "INSERT INTO {schema}.{table} VALUES ('__migration__', 1) ON CONFLICT (application_name) DO NOTHING"


class Tx:
    """A cursor in one view transaction, speaking the view's dialect and table suffix.

    Statements use `%s` (positional) or `%(name)s` (named) placeholders, `{sfx}` for the
    view's table suffix and `{C}` where text must sort by code point on both stores.
    """

    def __init__(self, cursor: Any, dialect: Dialect, suffix: str) -> None:
        self.cursor, self.dialect, self.suffix = cursor, dialect, suffix

    def _sql(self, statement: str) -> str:
        return self.dialect.sql(statement.replace("{sfx}", self.suffix).replace("{C}", self.dialect.code_point_order))

    def execute(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Tx:
        self.cursor.execute(self._sql(statement), self.dialect.params(params))
        return self

    def execute_many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for many rows (a batch of the same insert or update)."""
        batch = [self.dialect.params(r) for r in rows]
        if batch:
            self.cursor.executemany(self._sql(statement), batch)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows into one of the view's tables: COPY on PostgreSQL (a page of events makes thousands)."""
        if not rows:
            return
        name = f"{table}{self.suffix}"
        if self.dialect.is_postgres:
            with self.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["?"] * len(columns))
        self.cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                                [self.dialect.params(r) for r in rows])

    def rows(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        return list(self.execute(statement, params).cursor.fetchall())

    def tuples(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """The rows as plain tuples, in the statement's column order (cheaper than dicts when there are many)."""
        if self.dialect.is_postgres:
            with self.cursor.connection.cursor(row_factory=tuple_row) as plain:
                plain.execute(self._sql(statement), self.dialect.params(params))
                rows: list[tuple[Any, ...]] = plain.fetchall()
                return rows
        return [tuple(r) for r in self.execute(statement, params).cursor.fetchall()]

    def page(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        """The rows of a page of a list (a LIMIT), where a walk along an index with lookups for each row,
        stopping at the page's end, beats reading the whole list (see `lookups`)."""
        return self.lookups(statement, params)

    def lookups(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        """The rows of a query best answered by index lookups for each row of a small driving set: nested loops
        are allowed for it (a read transaction forbids them, _READ_PLANNER)."""
        return self.planned("enable_nestloop", "on", "off", statement, params)

    def planned(self, setting: str, value: str, after: str, statement: str,
                params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        """The rows of one query planned with PostgreSQL's `setting` at `value`, then set to `after` for the rest
        of the transaction (the same rows as `rows`; SQLite has no such settings)."""
        if not self.dialect.is_postgres:
            return self.rows(statement, params)
        self.cursor.execute(f"SET LOCAL {setting} TO {value}")
        rows = self.rows(statement, params)
        self.cursor.execute(f"SET LOCAL {setting} TO {after}")  # not reached on an error: the transaction is over
        return rows

    def stream(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = (), size: int = 2000) -> Iterator[Any]:
        """Rows one by one without holding the whole result in memory (a server-side cursor on PostgreSQL)."""
        if self.dialect.is_postgres:
            with self.cursor.connection.cursor(name=f"zj_stream_{next(_STREAMS)}") as named:
                named.itersize = size
                named.execute(self._sql(statement), self.dialect.params(params))
                yield from named
            return
        cursor = self.cursor.connection.cursor()
        cursor.execute(self._sql(statement), self.dialect.params(params))
        while batch := cursor.fetchmany(size):
            yield from batch


_STREAMS = itertools.count(1)

H = TypeVar("H")
T = TypeVar("T")


def run_beside(opened: AbstractContextManager[Tx | None], here: Callable[[], H],
               there: Callable[[Tx], T]) -> tuple[H, T] | None:
    """`here()` on this thread while `there(tx)` runs on another, on the read `opened` gives (a second read on
    the same snapshot, ViewRecorder.beside); both results, or None (nothing run) when there is no such read.
    An error on either side is raised here, once both are done."""
    with opened as tx:
        if tx is None:
            return None
        done: dict[str, Any] = {}

        def run() -> None:
            try:
                done["value"] = there(tx)
            except BaseException as error:  # noqa: BLE001 - handed to the calling thread, raised there
                done["error"] = error

        thread = threading.Thread(target=run, name="read-beside")
        thread.start()
        try:
            value = here()
        finally:
            thread.join()
    if "error" in done:
        raise done["error"]
    return value, done["value"]


class ViewRecorder(TrackingRecorder):
    """What both backends' view recorders offer the projections and the queries (each backend's recorder is this
    and the library's tracking recorder for that backend)."""

    tables: ClassVar[ViewTables]
    dialect: ClassVar[Dialect]
    suffix: str

    if TYPE_CHECKING:  # both backends' recorders are made so (a rebuild names its __new tracking table)
        def __init__(self, datastore: Any, *, tracking_table_name: str = "", **kwargs: Any) -> None: ...

    def write(self) -> Any:  # a context manager yielding a Tx, committed on exit
        raise NotImplementedError

    def read(self) -> Any:  # a context manager yielding a Tx on one consistent snapshot, never committed
        raise NotImplementedError

    @contextmanager
    def beside(self, tx: Tx) -> Iterator[Tx | None]:
        """A second read transaction on the same snapshot as `tx`, on a connection of its own, for a query to
        run beside tx's: None where there is none at once (here; PostgreSQL's recorder has one)."""
        yield None

    def track(self, tx: Tx, tracking: Tracking) -> None:
        self._insert_tracking(tx.cursor, tracking)  # type: ignore[attr-defined]  # each backend's recorder has it

    def position(self) -> int:
        """The last notification id this view has processed (0 before the first)."""
        return self.max_tracking_id(APPLICATION_NAME) or 0

    _complete = False  # set once the view has reached the position its tables were made at

    def projecting_from_zero(self) -> tuple[int, int] | None:
        """(position, ready_at) while the view is still being projected from zero: its tables were made (or made
        again, for a new schema version) when the log already reached `ready_at`, and it has not processed that
        far yet, so its answers would leave events out. None once it has (and from then on, in this process)."""
        if self._complete:
            return None
        with self.read() as tx:
            found = tx.rows(f"SELECT ready_at FROM {SCHEMA_TABLE} WHERE view = %s", (self.tables.view,))
        ready_at = int(found[0]["ready_at"]) if found else 0
        position = self.position()
        if position >= ready_at:
            self._complete = True
            return None
        return position, ready_at

    def _view_ddl(self) -> list[str]:
        # A rebuild's __new tables start with the indexes the projection reads by alone (Rebuild.build makes the
        # rest once the log is in).
        return [self.dialect.ddl(s) for t in self.tables.tables
                for s in t.create(self.suffix, self.dialect.is_postgres, all_indexes=not self.suffix)]

    def deferred_index_ddl(self) -> list[str]:
        """The indexes a rebuild's tables were made without (Table.deferred_indexes)."""
        return [self.dialect.ddl(s) for t in self.tables.tables for s in t.deferred_indexes(self.suffix)]

    def _drop_if_stale(self, tx: Tx) -> None:
        """Drops this view's live tables if they were made for another schema version (they are rebuilt from the
        log)."""
        if self.suffix:
            return  # a rebuild's __new tables are always made afresh
        _schema_table(tx)
        found = tx.rows(f"SELECT version FROM {SCHEMA_TABLE} WHERE view = %s", (self.tables.view,))
        if found and int(found[0]["version"]) == self.tables.version:
            return
        for name in self.tables.names():
            tx.execute(f"DROP TABLE IF EXISTS {name}")
        tx.execute(f"DELETE FROM {SCHEMA_TABLE} WHERE view = %s", (self.tables.view,))
        # Made now, empty, while the log may already hold events: the view answers once it has processed them.
        tx.execute(f"INSERT INTO {SCHEMA_TABLE} (view, version, ready_at) VALUES (%s, %s, %s)",
                   (self.tables.view, self.tables.version, _log_head(tx)))


def _schema_table(tx: Tx) -> None:
    """The table of each view's schema version and the log position it answers from (`ready_at`), made or given
    that column (tables made before it had it: their views answer at once)."""
    tx.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (view TEXT PRIMARY KEY, version INTEGER NOT NULL, "
               "ready_at BIGINT NOT NULL DEFAULT 0)")
    if tx.dialect.is_postgres:
        tx.execute(f"ALTER TABLE {SCHEMA_TABLE} ADD COLUMN IF NOT EXISTS ready_at BIGINT NOT NULL DEFAULT 0")
    elif "ready_at" not in {r["name"] for r in tx.rows(f"PRAGMA table_info({SCHEMA_TABLE})")}:
        tx.execute(f"ALTER TABLE {SCHEMA_TABLE} ADD COLUMN ready_at BIGINT NOT NULL DEFAULT 0")


def _log_head(tx: Tx) -> int:
    """The Ledger's last log position as this transaction sees it (0 while it has no events table)."""
    table, position = EVENTS_TABLE["postgres" if tx.dialect.is_postgres else "sqlite"]
    exists = ("SELECT to_regclass(%s) IS NOT NULL AS found" if tx.dialect.is_postgres
              else "SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = %s")
    if not tx.rows(exists, (table,))[0]["found"]:
        return 0
    return int(tx.rows(f"SELECT COALESCE(MAX({position}), 0) AS head FROM {table}")[0]["head"])


# Every query of one answer sees the same snapshot, even while events commit.
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
# How every read transaction of the views is set up on PostgreSQL, after _SNAPSHOT (and, for a read
# beside another, the snapshot it imports), sent with it as one statement list.
_READ_PLANNER = "; ".join((
    # The reads aggregate over whole tables: JIT costs more than it saves here, and the
    # planner underestimates the "live at (D, K)" conditions (correlated dates, an OR)
    # by 10-100x and then picks nested loops that cost quadratic time; hash joins are
    # linear. Point lookups still use indexes (IN lists and per-row subqueries are not joins).
    "SET LOCAL jit = off",
    "SET LOCAL enable_nestloop = off",
    # The acts tables are partitioned by type: counting acts by town and type aggregates each
    # partition on its own, the partitions spread over parallel workers (measured at a province:
    # the campaign report's acts pass 570 -> 345 ms).
    "SET LOCAL enable_partitionwise_aggregate = on",
    # Grouping a province's acts by town, type and category needs more than the default
    # 4 MB in memory, or it sorts on disk (measured: 850 ms instead of 320 ms).
    "SET LOCAL work_mem = '64MB'",
    # The views are read from memory or SSD, where an index page costs about what a table
    # page does; at the default (4) the planner reads the whole timeline rather than its
    # covering index, twice the bytes.
    "SET LOCAL random_page_cost = 1.1",
    # Streams (Tx.stream, a server-side cursor) are read to the end: plan them for all rows. At
    # the default (0.1) the planner walks the list's order index to spare a sort, fetching every
    # timeline row to test it (measured at a province: 1.7-3.4 s per list instead of 0.2-0.5 s).
    "SET LOCAL cursor_tuple_fraction = 1.0",
))


def _read_settings(snapshot: str | None = None) -> str:
    """The statements that open a view read: its isolation, the snapshot it imports if any, the planner's settings."""
    imported = [f"SET TRANSACTION SNAPSHOT '{snapshot}'"] if snapshot else []
    return "; ".join((_SNAPSHOT, *imported, _READ_PLANNER))


# A transaction beside another takes its snapshot (pg_export_snapshot's id: hex groups and a number).
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
# How long a read waits for a second pooled connection before it runs its queries one after another.
BESIDE_WAIT = 0.05


class PostgresViewRecorder(ViewRecorder, PostgresTrackingRecorder):
    dialect = POSTGRES

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str = "", **kwargs: Any) -> None:
        self.suffix = NEW if tracking_table_name.endswith(NEW) else ""
        super().__init__(datastore, tracking_table_name=self.tables.tracking(self.suffix), **kwargs)

    def create_table(self) -> None:
        # One transaction under a lock: two processes starting at once would otherwise race
        # on the catalogue and on the library's "__migration__" tracking row. The tables are
        # new in the library's single-row format, so its migration of old tables never applies.
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(VIEW_DDL_LOCK)
            self._drop_if_stale(Tx(curs, self.dialect, self.suffix))
            for statement in self.sql_create_statements:
                curs.execute(statement)
            for ddl in self._view_ddl():
                curs.execute(ddl)
            curs.execute(_MIGRATED.format(schema=self.datastore.schema, table=self.tracking_table_name))
        self.tracking_migration_current = 1

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as curs:
            yield Tx(curs, self.dialect, self.suffix)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(_read_settings())  # one round trip, not one per setting
            yield Tx(curs, self.dialect, self.suffix)

    @contextmanager
    def beside(self, tx: Tx) -> Iterator[Tx | None]:
        """A read on tx's snapshot (exported by tx, imported here), on a pooled connection free within
        BESIDE_WAIT; None on a standby (it cannot export a snapshot) or when every connection is busy (a
        read that waited for a second one could wait on reads that wait for theirs)."""
        found = tx.rows("SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END AS id")
        snapshot = found[0]["id"]
        if snapshot is None or not _SNAPSHOT_ID.fullmatch(snapshot):
            yield None
            return
        pool = self.datastore.pool
        try:
            conn = pool.getconn(timeout=BESIDE_WAIT)
        except (PoolTimeout, TooManyRequests):  # none free in time, or the pool's queue is full
            yield None
            return
        try:
            with conn.transaction(force_rollback=True):
                curs = conn.cursor()
                curs.execute(_read_settings(snapshot))
                yield Tx(curs, self.dialect, self.suffix)
        finally:
            pool.putconn(conn)


class SQLiteViewRecorder(ViewRecorder, SQLiteTrackingRecorder):
    dialect = SQLITE

    def __init__(self, datastore: SQLiteDatastore, *, tracking_table_name: str = "", **kwargs: Any) -> None:
        self.suffix = NEW if tracking_table_name.endswith(NEW) else ""
        self.tracking_table_name = self.tables.tracking(self.suffix)
        super().__init__(datastore, **kwargs)
        # The library's SQLite recorder names its table "tracking"; each view has its own.
        t = self.tracking_table_name
        self.insert_tracking_statement = (
            f"INSERT INTO {t} VALUES (:application_name, :notification_id) "
            f"ON CONFLICT (application_name) DO UPDATE SET notification_id = :notification_id "
            f"WHERE {t}.notification_id < :notification_id RETURNING notification_id"
        )
        self.select_max_tracking_id_statement = f"SELECT MAX(notification_id) FROM {t} WHERE application_name=?"

    def create_table(self) -> None:
        with self.write() as tx:  # BEGIN IMMEDIATE: one creator at a time (see the PostgreSQL recorder)
            self._drop_if_stale(tx)
            for statement in self.create_table_statements:
                tx.cursor.execute(statement)
            tx.cursor.execute(_MIGRATED.format(schema="main", table=self.tracking_table_name))
        self.tracking_migration_current = 1

    def construct_create_table_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.tracking_table_name} (application_name TEXT, "
            "notification_id INTEGER, PRIMARY KEY (application_name)) WITHOUT ROWID",
            *self._view_ddl(),
        ]

    @contextmanager
    def write(self) -> Iterator[Tx]:
        # BEGIN IMMEDIATE takes SQLite's one write lock up front, so a read-then-write
        # transaction never fails to upgrade; every writer (the ledger too) waits its turn.
        with self.datastore.get_connection(commit=True) as conn:
            curs = conn.cursor().sqlite_cursor
            curs.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(curs, self.dialect, self.suffix)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        # BEGIN (deferred): the first read fixes the snapshot the whole answer sees (WAL mode).
        with self.datastore.transaction(commit=False) as curs:
            yield Tx(curs.sqlite_cursor, self.dialect, self.suffix)
