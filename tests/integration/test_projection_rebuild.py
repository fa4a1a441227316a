"""Rebuilding a view from zero gives the same tables as the view built incrementally."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from application.bootstrap import build_ledger
from application.storage import connect
from projections import open_views
from projections.rebuild import Rebuild, rebuild
from projections.registry import VIEW_NAMES, backend, view_spec
from projections.tables import NEW
from projections.views import open_recorders
from tests.integration.projection_histories import TODAY, record_history
from tests.integration.projection_support import index_catalogue, snapshot

STEPS = [
    (0, "order", 10, 20, 0), (0, "inspect_compliant", 5, 1, 2), (1, "license", 30, 60, 1), (0, "sample_fail", 25, 1, 3),
    (0, "verify_pass", 40, 1, 0), (1, "retract", 40, 1, 0), (2, "close", 60, 1, 1), (1, "order", 3, 9, 1),
    (0, "retract", 50, 1, 4), (3, "inspect_deficient", 70, 1, 2),
]


@pytest.fixture
def recorded(settings):
    ledger = build_ledger(settings)
    views = open_views(settings)
    record_history(ledger, STEPS)
    views.catch_up(page=1)  # event by event; a rebuild reads pages of 500: the rows must be the same
    yield views
    views.close()
    ledger.close()


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_a_rebuilt_view_has_the_same_rows_as_the_view_built_event_by_event(settings, recorded, view, monkeypatch):
    before = snapshot(settings, view)
    assert any(before.values())
    rebuild(settings, view)
    assert snapshot(settings, view) == before
    # And again, in pages of 3 events (the reports' indexes made after the last): the swapped-in tables'
    # names leave room for the next rebuild.
    monkeypatch.setattr("projections.rebuild.PAGE", 3)
    rebuild(settings, view)
    assert snapshot(settings, view) == before


def test_a_rebuild_loads_without_the_reports_indexes_and_leaves_every_index_made(settings, recorded):
    made = index_catalogue(settings)
    assert "view_status_timeline_known_open" in made and "view_actions_acts" in made
    job = Rebuild(settings, "status")
    try:
        job.build()
        # The __new tables were loaded with the lookups' indexes alone, then given the others: all are there.
        built = {name for name in index_catalogue(settings) if NEW in name}
        assert {f"{i.name}{NEW}" for t in job.tables.tables for i in t.indexes} <= built
        job.switch_over()
    finally:
        job.close()
    if settings.database_url:  # vacuumed before the switch-over (index-only scans need not visit the table)
        with connect(settings) as conn:
            vacuumed = conn.execute("SELECT last_vacuum FROM pg_stat_user_tables "
                                    "WHERE relname = 'view_status_timeline'").fetchone()
        assert vacuumed is not None and vacuumed[0] is not None
    rebuild(settings, "accountability")
    assert sorted(index_catalogue(settings).values()) == sorted(made.values())


def test_a_rebuild_makes_the_reports_indexes_after_loading_the_log(settings, recorded, monkeypatch):
    job = Rebuild(settings, "status")
    seen: dict[str, Any] = {}
    make_indexes = job._index

    def index() -> None:  # what the __new tables hold when their deferred indexes are about to be made
        assert job.new is not None
        with job.new.read() as tx:
            seen["rows"] = int(tx.rows("SELECT COUNT(*) AS n FROM view_status_timeline{sfx}")[0]["n"])
        seen["indexes"] = {name for name in index_catalogue(settings) if name.startswith("view_status_timeline_")}
        make_indexes()

    monkeypatch.setattr(job, "_index", index)
    try:
        job.build()
    finally:
        job.close()
    assert seen["rows"] > 0  # the log is in
    # and the timeline had its lookup index, not the reports' ones
    assert f"view_status_timeline_enterprise{NEW}" in seen["indexes"]
    assert f"view_status_timeline_known_open{NEW}" not in seen["indexes"]


def test_reads_see_the_old_view_until_the_switch_over(settings, recorded):
    now = datetime.now(UTC)
    expected = recorded.status.states_at(TODAY, now)
    job = Rebuild(settings, "status")
    try:
        job.build()
        assert recorded.status.states_at(TODAY, now) == expected
        job.switch_over()
    finally:
        job.close()
    assert recorded.status.states_at(TODAY, now) == expected
    assert recorded.status.position() == recorded.log.last_position()


def test_events_recorded_after_the_build_are_processed_at_the_switch_over(settings, recorded):
    ledger = build_ledger(settings)
    job = Rebuild(settings, "status")
    try:
        job.build()
        more = record_history(ledger, [(0, "inspect_compliant", 80, 1, 0)])
        assert job.switch_over() >= more.last_position
        assert recorded.status.position() >= more.last_position
        job.build()  # a second build from zero, left in the __new tables
    finally:
        job.close()
        ledger.close()
    assert snapshot(settings, "status") == snapshot(settings, "status", NEW)


def test_a_view_whose_schema_version_changed_is_projected_again_and_the_other_view_is_left_as_it_is(
        settings, recorded, monkeypatch):
    status, accountability = snapshot(settings, "status"), snapshot(settings, "accountability")
    # Each view loses rows as stored, so that projecting it again shows.
    factory, _ = open_recorders(settings, create_tables=False)
    try:
        with factory.datastore.transaction(commit=True) as curs:
            curs.execute("DELETE FROM view_status_facts WHERE type = 'Inspected'")
            curs.execute("DELETE FROM view_actions WHERE type = 'Inspected'")
    finally:
        factory.close()
    # The code now makes the accountability view's tables in a new shape (its version bumped), the status
    # view's as before.
    spec = view_spec("accountability")
    monkeypatch.setattr(spec.recorder_class(backend(settings)), "tables",
                        replace(spec.tables, version=spec.tables.version + 1))
    views = open_views(settings)
    try:
        views.catch_up()
    finally:
        views.close()
    assert snapshot(settings, "accountability") == accountability  # projected again from the log
    kept = snapshot(settings, "status")
    assert kept != status  # not projected again: its rows as they were left
    assert kept["view_status_facts"] == [r for r in status["view_status_facts"] if "Inspected" not in r]
