"""Helpers for the projection tests: table snapshots and bounded waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from application.settings import Settings
from projections.rebuild import Rebuild
from projections.registry import VIEW_NAMES, view_spec
from projections.tables import NEW
from projections.views import Views, open_recorders


def snapshot(settings: Settings, view: str, suffix: str = "") -> dict[str, list[tuple[str, ...]]]:
    """Every row of the view's tables (surrogate row ids left out), as sorted tuples of text."""
    factory, _ = open_recorders(settings)
    try:
        out: dict[str, list[tuple[str, ...]]] = {}
        with factory.datastore.transaction(commit=False) as curs:
            for table in view_spec(view).tables.tables:
                curs.execute(f"SELECT * FROM {table.name}{suffix}")
                rows = [dict(r) if isinstance(r, dict) else {k: r[k] for k in r.keys()} for r in curs.fetchall()]
                out[table.name] = sorted(
                    tuple(_text(v) for k, v in sorted(r.items()) if k != "row_id") for r in rows
                )
        return out
    finally:
        factory.close()


def index_catalogue(settings: Settings) -> dict[str, str]:
    """Every index of the views' tables in the store's catalogue: name -> its definition there, less its name
    (PostgreSQL names a partition's indexes itself, after the partition's name at the time)."""
    factory, _ = open_recorders(settings, create_tables=False)
    try:
        with factory.datastore.transaction(commit=False) as curs:
            if settings.database_url:
                curs.execute("SELECT indexname AS name, indexdef AS sql FROM pg_indexes "
                             "WHERE schemaname = current_schema() AND left(tablename, 4) = 'view'")
            else:
                curs.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'view%'")
            return {str(r["name"]): str(r["sql"]).replace(str(r["name"]), "") for r in curs.fetchall()}
    finally:
        factory.close()


def _text(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Polls until predicate() holds; fails after `timeout` seconds (a liveness bound, not a benchmark)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


def caught_up(views: Views, position: int) -> Callable[[], bool]:
    """A predicate for `wait_until`: every view has processed `position`."""
    return lambda: min(views.positions().values()) >= position


def assert_views_equal_a_rebuild(settings: Settings) -> None:
    """Every view's tables hold exactly what a rebuild from zero (into the `__new` tables) makes of the log."""
    for view in VIEW_NAMES:
        job = Rebuild(settings, view)
        try:
            job.build()
        finally:
            job.close()
        assert snapshot(settings, view) == snapshot(settings, view, NEW), f"the {view} view differs from a rebuild"
