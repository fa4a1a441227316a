"""The view registry: every view listed once, and everything that opens or runs views starts from it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from application.bootstrap import build_ledger
from projections import open_views
from projections.recorders import PostgresViewRecorder, SQLiteViewRecorder
from projections.registry import VIEW_NAMES, VIEWS, view_spec
from seeding.demo import seed_demo
from tests.integration.projection_histories import record_history
from tests.integration.projection_support import wait_until


def test_each_view_has_one_recorder_class_per_backend_made_from_its_entry():
    for spec in VIEWS:
        postgres, sqlite = spec.recorder_class("postgres"), spec.recorder_class("sqlite")
        assert issubclass(postgres, PostgresViewRecorder) and issubclass(sqlite, SQLiteViewRecorder)
        assert postgres.tables is spec.tables and sqlite.tables is spec.tables
        assert spec.recorder_class("postgres") is postgres  # the same class whoever asks
    assert len({spec.recorder_class(b) for spec in VIEWS for b in ("postgres", "sqlite")}) == 2 * len(VIEWS)
    assert len({spec.tables.tracking() for spec in VIEWS}) == len(VIEWS)


def test_an_unknown_view_is_refused_with_the_views_there_are():
    with pytest.raises(KeyError, match="views: " + ", ".join(VIEW_NAMES)):
        view_spec("nonexistent")


def test_open_views_opens_and_feeds_every_view_in_the_registry(settings):
    ledger, views = build_ledger(settings), open_views(settings)
    try:
        assert set(views.positions()) == set(VIEW_NAMES) == set(views.lag())
        assert [type(p) for p in views.projections()] == [spec.projection for spec in VIEWS]
        recorded = record_history(ledger, [(0, "order", 10, 20, 0)])
        views.catch_up()
        assert all(views.positions()[v] >= recorded.last_position for v in VIEW_NAMES)
        assert views.lag() == dict.fromkeys(VIEW_NAMES, 0)
    finally:
        views.close()
        ledger.close()


def test_the_runners_started_for_the_worker_and_the_server_feed_every_view(settings):
    from projections.runners import start_runners

    ledger, views = build_ledger(settings), open_views(settings)
    runners = start_runners(settings, poll_interval=0.05)
    try:
        recorded = record_history(ledger, [(0, "inspect_compliant", 5, 1, 0), (0, "sample_fail", 25, 1, 1)])
        wait_until(lambda: min(views.positions().values()) >= recorded.last_position, what="every view catching up")
    finally:
        runners.stop()
        views.close()
        ledger.close()
    assert all(not t.is_alive() for t in runners.threads)
    assert runners.polling is None or not runners.polling.thread.is_alive()


def _indexes(views: Any, prefix: str) -> set[str]:
    with views.status.read() as tx:
        if tx.dialect.is_postgres:
            rows = tx.rows("SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE %s", (f"{prefix}%",))
        else:
            rows = tx.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE %s", (f"{prefix}%",))
    return {r["name"] for r in rows}


def test_a_start_makes_the_indexes_a_view_lacks_and_drops_retired_ones_without_projecting_it_again(settings):
    """A view made by an older version (one index missing, one it no longer has) keeps its rows at the next start."""
    ledger = build_ledger(settings)
    try:
        seed_demo(ledger, date.today())
    finally:
        ledger.close()
    views = open_views(settings)
    views.catch_up()
    with views.status.recorder.write() as tx:  # as an older version left it, and a mark a projection would undo
        tx.execute("DROP INDEX view_enterprises_order")
        tx.execute("CREATE INDEX view_enterprises_town ON view_enterprises (town, name)")
        tx.execute("UPDATE view_enterprises SET name = '记号' WHERE enterprise_id = "
                   "(SELECT MIN(enterprise_id) FROM view_enterprises)")
    assert _indexes(views, "view_enterprises_") & {"view_enterprises_order", "view_enterprises_town"} == {
        "view_enterprises_town"}
    views.close()
    views = open_views(settings)
    try:
        assert _indexes(views, "view_enterprises_") & {"view_enterprises_order", "view_enterprises_town"} == {
            "view_enterprises_order"}
        with views.status.read() as tx:
            assert tx.rows("SELECT COUNT(*) AS n FROM view_enterprises WHERE name = '记号'")[0]["n"] == 1
    finally:
        views.close()
