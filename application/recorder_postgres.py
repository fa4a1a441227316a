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
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import eventsourcing.postgres as library
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg.sql import SQL

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


class LedgerRecorder(library.PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT pg_advisory_xact_lock(hashtext({0}))").format(INSERT_LOCK),
        ]

    insert_events = _once_more(library.PostgresApplicationRecorder.insert_events)
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
