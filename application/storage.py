"""What we ask of the event store below the library's API, per backend.

- Immutability: triggers that refuse UPDATE, DELETE (and TRUNCATE in PostgreSQL) on
  the stored-events table and its leaf hashes' table, created idempotently at start-up.
- Positions: an event's place in the global log (its notification id), which the
  library's `select_events` does not return.
- A readiness ping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from application.audit.recorders import LEAVES_TABLE
from application.settings import Settings

_REFUSE = "zhijian: stored events are immutable"
SCHEMA_LOCK = "zhijian-schema"


def connect(settings: Settings, **params: Any) -> Any:
    """A psycopg connection of its own (autocommit, outside the library's pool) to the
    settings' PostgreSQL database, with the schema of the URL, if any, on its search path.
    No statement timeout unless `params` set one: it waits for advisory locks."""
    import psycopg
    from psycopg import sql

    env = settings.eventsourcing_env()
    conn = psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], autocommit=True,
        **{**settings.connection_params(), **params},
    )
    if env.get("POSTGRES_SCHEMA"):
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(env["POSTGRES_SCHEMA"])))
    return conn


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Holds PostgreSQL's session advisory lock `zhijian-schema` (on a connection of its own)
    while the body creates tables; nothing on SQLite, whose writers are serialised anyway.

    Two processes running `CREATE TABLE IF NOT EXISTS` at the same moment can both find
    no table, and one then fails on the catalogue's unique index (seen with
    `serve --workers 2` on a new database); under the lock the second finds the first's table.
    """
    if not settings.is_postgres:
        yield
        return
    with connect(settings) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (SCHEMA_LOCK,))


class EventStoreAccess:
    """Backend-specific SQL over the application's stored-events table."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder

        self.recorder = recorder
        self.is_postgres = isinstance(recorder, PostgresApplicationRecorder)
        if self.is_postgres:
            self.datastore: Any = recorder.datastore  # type: ignore[attr-defined]  # the library's recorders have it, not its base
            self.schema = self.datastore.schema or "public"
            self.table = recorder.events_table_name  # type: ignore[attr-defined]  # as datastore
        else:
            self.datastore = recorder.datastore  # type: ignore[attr-defined]  # as above
            self.table = recorder.events_table_name  # type: ignore[attr-defined]  # as datastore

    # -- immutability ----------------------------------------------------------------

    def make_immutable(self) -> None:
        if self.is_postgres:
            self._make_immutable_postgres()
        else:
            self._make_immutable_sqlite()

    def _make_immutable_sqlite(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table in (self.table, LEAVES_TABLE):
                for op in ("UPDATE", "DELETE"):
                    curs.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{_REFUSE} ({op} refused)'); END"
                    )

    def _make_immutable_postgres(self) -> None:
        from psycopg import sql

        schema = sql.Identifier(self.schema)
        func = sql.Identifier(self.schema, "zhijian_refuse_change")
        with self.datastore.transaction(commit=True) as curs:
            # Serialise concurrent start-ups: CREATE OR REPLACE of one function races otherwise.
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('zhijian-immutable-events'))")
            curs.execute(
                sql.SQL(
                    "CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION '{msg} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$"
                ).format(func=func, msg=sql.SQL(_REFUSE))
            )
            for prefix, table in (("zhijian_events", self.table), (LEAVES_TABLE, LEAVES_TABLE)):
                for name, when, level in (
                    (f"{prefix}_no_update_delete", "BEFORE UPDATE OR DELETE", "ROW"),
                    (f"{prefix}_no_truncate", "BEFORE TRUNCATE", "STATEMENT"),
                ):
                    curs.execute(
                        sql.SQL(
                            "CREATE OR REPLACE TRIGGER {name} " + when + " ON {schema}.{table} "
                            "FOR EACH " + level + " EXECUTE FUNCTION {func}()"
                        ).format(name=sql.Identifier(name), schema=schema, table=sql.Identifier(table), func=func)
                    )

    IMMUTABLE_TRIGGERS = ("zhijian_events_no_update_delete", "zhijian_events_no_truncate")

    def require_immutable(self) -> None:
        """Refuses to start (RuntimeError) on an events table without its immutability triggers,
        for a process that may not create them itself (ZHIJIAN_CREATE_TABLES=false)."""
        if self.is_postgres:
            stmt = ("SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
                    "AND t.tgenabled <> 'D'")
            params: tuple[str, ...] = (self.schema, self.table)
            wanted = set(self.IMMUTABLE_TRIGGERS)
        else:
            stmt, params = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (self.table,)
            wanted = {f"{self.table}_no_update", f"{self.table}_no_delete"}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(stmt, params)
            found = {row["name"] if self.is_postgres else row[0] for row in curs.fetchall()}
        if not wanted <= found:
            raise RuntimeError(
                f"事件表 {self.table} 缺少不可变触发器 {', '.join(sorted(wanted - found))} "
                f"(the events table lacks its immutability triggers, or they are disabled): run `zhijian db init` "
                "as the database owner, or start with ZHIJIAN_CREATE_TABLES=true as the owner"
            )

    # -- positions --------------------------------------------------------------------

    def positions(self, originator_id: UUID, after: int = 0, upto: int | None = None) -> dict[int, int]:
        """Version -> notification id (position in the global log) for one aggregate's versions in (after, upto]."""
        upto = 2**62 if upto is None else upto
        if self.is_postgres:
            from psycopg import sql

            stmt = sql.SQL(
                "SELECT originator_version, notification_id FROM {}.{} WHERE originator_id = %s "
                "AND originator_version > %s AND originator_version <= %s"
            ).format(sql.Identifier(self.schema), sql.Identifier(self.table))
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(stmt, (originator_id, after, upto))
                return {row["originator_version"]: row["notification_id"] for row in curs.fetchall()}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                f"SELECT originator_version, rowid FROM {self.table} WHERE originator_id = ? "
                "AND originator_version > ? AND originator_version <= ?",
                (originator_id.hex, after, upto),
            )
            return {row[0]: row[1] for row in curs.fetchall()}

    def last_version(self, originator_id: UUID) -> int | None:
        """The aggregate's latest version, or None if it has no event."""
        if self.is_postgres:
            from psycopg import sql

            stmt = sql.SQL("SELECT MAX(originator_version) AS v FROM {}.{} WHERE originator_id = %s").format(
                sql.Identifier(self.schema), sql.Identifier(self.table))
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(stmt, (originator_id,))
                row = curs.fetchone()
                return None if row is None or row["v"] is None else int(row["v"])
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT MAX(originator_version) FROM {self.table} WHERE originator_id = ?",
                         (originator_id.hex,))
            row = curs.fetchone()
            return None if row is None or row[0] is None else int(row[0])

    def stored_events(self, originator_id: UUID, topic: str) -> list[StoredEvent]:
        """One aggregate's stored events of one topic, in version order (e.g. its retractions)."""
        if self.is_postgres:
            from psycopg import sql

            stmt = sql.SQL("SELECT originator_version, topic, state FROM {}.{} WHERE originator_id = %s "
                           "AND topic = %s ORDER BY originator_version").format(
                sql.Identifier(self.schema), sql.Identifier(self.table))
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(stmt, (originator_id, topic))
                return [StoredEvent(originator_id, r["originator_version"], r["topic"], bytes(r["state"]))
                        for r in curs.fetchall()]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT originator_version, topic, state FROM {self.table} WHERE originator_id = ? "
                         "AND topic = ? ORDER BY originator_version", (originator_id.hex, topic))
            return [StoredEvent(originator_id, r[0], r[1], bytes(r[2])) for r in curs.fetchall()]

    def existing(self, originator_ids: list[UUID]) -> set[UUID]:
        """Which of these aggregates have any stored event (one query, not one per id)."""
        if not originator_ids:
            return set()
        if self.is_postgres:
            from psycopg import sql

            stmt = sql.SQL("SELECT DISTINCT originator_id FROM {}.{} WHERE originator_id = ANY(%s)").format(
                sql.Identifier(self.schema), sql.Identifier(self.table))
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(stmt, (list(originator_ids),))
                return {row["originator_id"] for row in curs.fetchall()}
        found: set[UUID] = set()
        with self.datastore.transaction(commit=False) as curs:
            for i in range(0, len(originator_ids), 500):
                chunk = originator_ids[i:i + 500]
                curs.execute(f"SELECT DISTINCT originator_id FROM {self.table} WHERE originator_id IN "
                             f"({', '.join('?' * len(chunk))})", [u.hex for u in chunk])
                found.update(UUID(row[0]) for row in curs.fetchall())
        return found

    def ping(self) -> None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT 1")
            curs.fetchall()
