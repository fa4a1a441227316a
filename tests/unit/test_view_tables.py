"""The views' table declarations: names that PostgreSQL can create as declared."""

from __future__ import annotations

from projections.tables import ACCOUNTABILITY, NEW, STATUS

VIEWS = (STATUS, ACCOUNTABILITY)


def test_no_index_bears_the_name_of_a_table_or_partition():
    # CREATE INDEX IF NOT EXISTS skips, with a notice only, an index whose name a table already has:
    # view_actions' index by retraction was never made on PostgreSQL under the name of its partition.
    for suffix in ("", NEW):
        relations = {name for view in VIEWS for name in view.postgres_names(suffix)}
        indexes = [f"{i.name}{suffix}" for view in VIEWS for t in view.tables for i in t.indexes]
        assert len(indexes) == len(set(indexes))
        assert not relations & set(indexes)


def test_a_rebuild_loads_with_the_lookup_indexes_alone():
    timeline = next(t for t in STATUS.tables if t.name == "view_status_timeline")
    loading = " ".join(timeline.create(NEW, postgres=True, all_indexes=False))
    assert "view_status_timeline_enterprise__new" in loading
    assert "view_status_timeline_known_open" not in loading
    later = " ".join(timeline.deferred_indexes(NEW))
    assert "view_status_timeline_known_open__new" in later and "view_status_timeline_enterprise" not in later
