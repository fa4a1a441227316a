"""Rebuilding a view from zero without stopping writes or showing a half-built view.

The view is built into fresh tables (suffix `__new`) from notification 0, a page per
transaction, so memory stays flat. The tables start with only the indexes the projection
looks rows up by (tables.Index.lookup); the reports' indexes are made once the log is in,
each in one pass, and the tables are vacuumed and analysed. Then one transaction locks the
live view's tracking table (a running projection waits), processes the few events
recorded meanwhile, drops the live tables and renames the new ones into their place.
Readers see the old view until that commit and the new one after it. A runner that
was waiting resumes on the new tables: its next tracking record is refused if the new
view is already past it, and its supervisor restarts it from the new position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, OperationalError, Tracking
from eventsourcing.utils import Environment

from application.settings import Settings
from application.storage import connect
from projections.log import LedgerLog
from projections.pages import catch_up
from projections.recorders import APPLICATION_NAME, Tx, ViewRecorder
from projections.registry import backend, view_spec
from projections.tables import NEW
from projections.views import store_env

PAGE = 2000  # events per transaction while rebuilding
# PostgreSQL's memory for sorting an index's entries when a rebuild makes it (its default, 64 MB, spills a
# province's timeline indexes to disk).
INDEX_MEMORY = "256MB"


class Rebuild:
    """One view rebuilt into `__new` tables, then (optionally) switched over."""

    def __init__(self, settings: Settings, view: str) -> None:
        self.settings = settings
        self.spec = view_spec(view)
        self.view, self.tables = view, self.spec.tables
        env = store_env(settings)
        self.factory: Any = InfrastructureFactory.construct(Environment("zhijian_rebuild", env))
        self.recorder_class = self.spec.recorder_class(backend(settings))
        self.log = LedgerLog(env)
        self.new: ViewRecorder | None = None

    def last_position(self) -> int:
        return self.log.last_position()

    def build(self, progress: Callable[[int], None] | None = None) -> ViewRecorder:
        """Builds the view from zero into `__new` tables (dropping any left by an earlier attempt)."""
        self._drop(NEW)
        self.new = self.recorder_class(self.factory.datastore, tracking_table_name=self.tables.tracking(NEW))
        self.new.create_table()  # type: ignore[attr-defined]  # both backends' recorders have it, not their base
        catch_up(self.log, self.spec.projection(view=self.new), page=PAGE, progress=progress)
        self._index()
        return self.new

    def _index(self) -> None:
        """Makes the indexes the new tables were loaded without, each in one pass over its table."""
        assert self.new is not None  # noqa: S101 - build() made it
        with self.factory.datastore.transaction(commit=True) as curs:
            if self.recorder_class.dialect.is_postgres:
                # One statement per index over the whole table: at a province's scale and beyond it can
                # outlast the statement timeout that bounds ordinary statements (a runaway query's guard).
                curs.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'; SET LOCAL statement_timeout = 0")
            for statement in self.new.deferred_index_ddl():
                curs.execute(statement)

    def switch_over(self, attempts: int = 5) -> int:
        """Catches up and swaps the new tables in, in one transaction; returns the view's position.

        The transaction takes the live tables' locks and renames the new ones; on PostgreSQL
        that can deadlock with autovacuum analysing the freshly loaded tables (seen at
        province scale). Nothing is half done then (the transaction rolls back), so it is
        tried again. The new tables are vacuumed and analysed first, so the planner knows them at once and
        index-only scans need not visit their rows.
        """
        if self.new is None:
            raise RuntimeError("switch_over() before build()")
        self._vacuum_analyse(NEW)
        for attempt in range(1, attempts + 1):
            try:
                return self._switch_over()
            except OperationalError as e:
                if "deadlock" not in str(e) or attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    def _switch_over(self) -> int:
        assert self.new is not None  # noqa: S101 - switch_over() checked it
        live = self.recorder_class(self.factory.datastore)
        live.create_table()  # type: ignore[attr-defined]  # as in build()
        apply_page = self.spec.projection.apply_page
        with self.new.write() as tx:
            # Lock order: tracking first, as the projections write it first (no deadlock).
            if tx.dialect.is_postgres:
                for name in (self.tables.tracking(), *(t.name for t in self.tables.tables)):
                    tx.execute(f"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE")
            position = self._tracked(tx)
            while items := self.log.page(position, PAGE):
                self.new.track(tx, Tracking(APPLICATION_NAME, items[-1][1]))
                apply_page(tx, items)
                position = items[-1][1]
            self._swap(tx)
        return position

    def _vacuum_analyse(self, suffix: str) -> None:
        """Fresh statistics for the view's tables, and (VACUUM) their pages marked all-visible, so that a
        report's index-only scans read the indexes alone from the first moment rather than once autovacuum
        has come by (PostgreSQL; SQLite plans without statistics and has no visibility map)."""
        if not self.recorder_class.dialect.is_postgres:
            return
        with connect(self.settings) as conn:  # autocommit: VACUUM runs outside a transaction
            for name in self.tables.names(suffix):
                conn.execute(f"VACUUM (ANALYZE) {name}")

    def _tracked(self, tx: Tx) -> int:
        rows = tx.rows(
            f"SELECT notification_id FROM {self.tables.tracking(NEW)} WHERE application_name = %s", (APPLICATION_NAME,)
        )
        return int(rows[0]["notification_id"]) if rows else 0

    def _swap(self, tx: Tx) -> None:
        names = self.tables.names()
        for name in names:
            tx.execute(f"DROP TABLE IF EXISTS {name}")
        for name in names:
            tx.execute(f"ALTER TABLE {name}{NEW} RENAME TO {name}")
        if tx.dialect.is_postgres:
            # Partitions, indexes and sequences keep their names through a rename: give the __new ones
            # the live names.
            kinds = {"r": "TABLE", "i": "INDEX", "I": "INDEX", "S": "SEQUENCE"}
            for row in tx.rows(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'I', 'S') "
                "AND position(%s in c.relname) > 0",
                (NEW,),
            ):
                old, wanted = row["relname"], row["relname"].replace(NEW, "")
                if not tx.rows("SELECT 1 FROM pg_class WHERE relname = %s", (wanted,)):
                    tx.execute(f"ALTER {kinds[row['relkind']]} {old} RENAME TO {wanted}")
        else:
            for table in self.tables.tables:
                for index in table.indexes:
                    tx.execute(f"DROP INDEX IF EXISTS {index.name}{NEW}")
                    tx.execute(table.create_index(index, "", ""))

    def _drop(self, suffix: str) -> None:
        with self.factory.datastore.transaction(commit=True) as curs:
            for name in self.tables.names(suffix):
                curs.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.log.close()
        self.factory.close()


def rebuild(settings: Settings, view: str, progress: Callable[[int], None] | None = None) -> int:
    """Rebuilds one view from zero and switches it over; returns its position."""
    job = Rebuild(settings, view)
    try:
        job.build(progress)
        return job.switch_over()
    finally:
        job.close()
