"""CLI commands for the database itself: `zhijian db init` (least-privilege roles, application/db_roles.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from application.audit.recorders import CHECKPOINTS_TABLE, LEAVES_TABLE

if TYPE_CHECKING:
    from application.db_roles import Roles
    from application.settings import Settings

db_app = typer.Typer(help="The database (PostgreSQL): tables and roles.", no_args_is_help=True)

ServiceRole = Annotated[str, typer.Option(help="the service's role (zhijian serve)")]
ProjectionRole = Annotated[str, typer.Option(help="the projection worker's role (zhijian project, rebuild)")]
AuditorRole = Annotated[str, typer.Option(help="the read-only auditor's role")]

# The ledger's tables in this version (the library names them after the application, "Zhijian").
EVENTS, SNAPSHOTS = "zhijian_events", "zhijian_snapshots"
EVENTS_SEQUENCE = "zhijian_events_notification_id_seq"


def checkpoint_grants(schema: str, roles: Roles) -> list[Any]:
    """The process running the projections records signed checkpoints (application/audit/service.py)."""
    from psycopg import sql

    projection = sql.Identifier(roles.projection)
    return [sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(sql.Identifier(schema, CHECKPOINTS_TABLE),
                                                                    projection),
            sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                sql.Identifier(schema, f"{CHECKPOINTS_TABLE}_id_seq"), projection)]


def register(app: typer.Typer) -> None:
    """Adds `zhijian db …` to the main CLI."""
    app.add_typer(db_app, name="db")


def view_tables() -> list[str]:
    from projections.registry import VIEWS
    from projections.report_archive import TABLE as ARCHIVE_TABLE
    from projections.tables import SCHEMA_TABLE

    return [SCHEMA_TABLE, *(name for spec in VIEWS for name in spec.tables.postgres_names()), ARCHIVE_TABLE]


@db_app.command("init")
def init(
    print_only: Annotated[bool, typer.Option("--print", help="print the grants instead of applying them")] = False,
    service_role: ServiceRole = "zhijian_app",
    projection_role: ProjectionRole = "zhijian_projection",
    auditor_role: AuditorRole = "zhijian_auditor",
) -> None:
    """As the database's owner: create the ledger's and the views' tables and the immutability
    triggers, then give the service, projection and auditor roles their least privileges."""
    from rich.console import Console

    from application.db_roles import Roles, Tables, grant_statements
    from application.settings import Settings

    console = Console(stderr=True)
    settings = Settings()
    roles = Roles(service_role, projection_role, auditor_role)
    if print_only:
        env = settings.eventsourcing_env() if settings.is_postgres else {}
        schema = env.get("POSTGRES_SCHEMA", "public")
        tables = Tables(schema, [EVENTS, SNAPSHOTS, LEAVES_TABLE, CHECKPOINTS_TABLE],
                        [EVENTS_SEQUENCE, f"{CHECKPOINTS_TABLE}_id_seq"], view_tables(), [EVENTS, LEAVES_TABLE])
        print("-- The tables, and the triggers that refuse UPDATE, DELETE and TRUNCATE of the events, are created by")
        print("-- the application's own code: `zhijian db init` builds the ledger and the views as the owner first.")
        for statement in [*grant_statements(env.get("POSTGRES_DBNAME", "zhijian"), roles, tables),
                          *checkpoint_grants(schema, roles)]:
            print(statement.as_string(None) + ";")
        return
    if not settings.is_postgres:
        console.print("SQLite: one file and no roles; the tables are made at start. Nothing to do.")
        raise typer.Exit(2)
    applied = apply(settings, roles)
    console.print(f"db init: tables and triggers in place; {applied} grants applied for "
                  f"{service_role}, {projection_role}, {auditor_role}")


def apply(settings: Settings, roles: Roles) -> int:
    """Creates what is missing as the owner, then grants; returns how many statements ran."""
    from application.bootstrap import build_ledger
    from application.db_roles import Tables, grant_statements
    from application.storage import connect
    from projections.views import open_recorders

    owner = settings.model_copy(update={"create_tables": True})
    build_ledger(owner).close()  # the events, snapshots and triggers
    factory, _ = open_recorders(owner)  # the views' tables
    factory.close()
    env = owner.eventsourcing_env()
    schema = env.get("POSTGRES_SCHEMA", "public")
    views = view_tables()
    with connect(owner) as conn:
        existing_views = [t for t in views if conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{t}"',))
                          .fetchone()[0] is not None]
        # The ledger's tables: whatever the owner owns in the schema that is not a view's (the events,
        # the snapshots, and any table a later version adds beside the events).
        ledger = [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = current_user "
            "AND NOT c.relname = ANY(%s) AND c.relname NOT LIKE 'view\\_%%' ORDER BY c.relname",
            (schema, views)).fetchall()]
        sequences = [r[0] for r in conn.execute(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype = 'a' "
            "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = s.relnamespace "
            "WHERE s.relkind = 'S' AND n.nspname = %s AND t.relname = ANY(%s) ORDER BY s.relname",
            (schema, ledger)).fetchall()]
        statements = grant_statements(env["POSTGRES_DBNAME"], roles,
                                      Tables(schema, ledger, sequences, existing_views, [EVENTS, LEAVES_TABLE]))
        statements += checkpoint_grants(schema, roles)
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)
    return len(statements)
