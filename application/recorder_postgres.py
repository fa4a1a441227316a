"""The ledger's PostgreSQL recorder: the library's, with inserts serialised by an advisory lock.

The library serialises inserts (so that notification ids commit in the order they are
issued, and readers never pass over a gap filled in later) with `LOCK TABLE … IN
EXCLUSIVE MODE`. PostgreSQL grants that lock mode only to a role holding UPDATE, DELETE
or TRUNCATE on the table, which the service's role must not hold (deploy: least
privilege, application/db_roles.py). A transaction-scoped advisory lock that every
writer of the log takes serialises the inserts just the same, and needs no privilege.
Every writer is this recorder: the ledger, the census import, the CLI.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

INSERT_LOCK = "zhijian-events-insert"


class LedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT pg_advisory_xact_lock(hashtext({0}))").format(INSERT_LOCK),
        ]
