"""Least-privilege database roles on PostgreSQL: what each role may do, as SQL.

- the owner (whoever runs `zhijian db init`): owns the database, the events table,
  the snapshots and the immutability triggers; runs schema changes;
- the service (`zhijian serve`): SELECT and INSERT on the ledger's tables, USAGE of the
  events' sequence, SELECT on the views; no UPDATE, DELETE or TRUNCATE, and no ownership,
  so it can neither change an event nor drop or disable the triggers;
- the projection worker (`zhijian project`, `zhijian rebuild`): SELECT on the events; owns
  the views' tables (it drops and recreates them on a rebuild) and may create tables in
  the schema, nothing else;
- the auditor: SELECT on everything, nothing more.

The roles themselves are made by a superuser (deploy/postgres-init/); the owner must be
a member of the projection role to hand it the views' tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql


@dataclass(frozen=True)
class Roles:
    service: str = "zhijian_app"
    projection: str = "zhijian_projection"
    auditor: str = "zhijian_auditor"


@dataclass(frozen=True)
class Tables:
    """The tables the grants name, in one schema."""

    schema: str
    ledger: Sequence[str]  # written by the service (INSERT, never UPDATE/DELETE)
    sequences: Sequence[str]  # the ledger's sequences (the events' notification ids)
    views: Sequence[str]  # every view table, partitions and tracking tables included
    readable_by_projection: Sequence[str]  # of the ledger's: the events


def grant_statements(database: str, roles: Roles, tables: Tables) -> list[sql.Composed]:
    """The statements that give each role exactly its part, idempotent (run them after every upgrade)."""
    schema = sql.Identifier(tables.schema)
    service, projection, auditor = (sql.Identifier(r) for r in (roles.service, roles.projection, roles.auditor))
    everyone = sql.SQL(", ").join([service, projection, auditor])

    def names(found: Sequence[str]) -> sql.Composable:
        return sql.SQL(", ").join(sql.Identifier(tables.schema, t) for t in found)

    out = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), everyone),
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, everyone),
        sql.SQL("GRANT CREATE ON SCHEMA {} TO {}").format(schema, projection),
    ]
    if tables.ledger:
        ledger = names(tables.ledger)
        out += [
            sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(ledger, everyone),
            sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(ledger, service),
            sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(ledger, auditor),
        ]
    if tables.sequences:
        sequences = names(tables.sequences)
        out += [
            sql.SQL("REVOKE ALL ON SEQUENCE {} FROM PUBLIC, {}").format(sequences, everyone),
            sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sequences, service),
        ]
    if tables.readable_by_projection:
        out.append(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(names(tables.readable_by_projection), projection))
    out += [sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(tables.schema, t), projection)
            for t in tables.views]
    if tables.views:
        views = names(tables.views)
        out += [
            sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC").format(views),
            sql.SQL("GRANT SELECT ON TABLE {} TO {}, {}").format(views, service, auditor),
        ]
    # Tables a rebuild makes later are the projection role's: readable by the service and the auditor.
    out.append(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}, {}").format(
        projection, schema, service, auditor))
    return out
