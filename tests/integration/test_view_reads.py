"""How the views are read on PostgreSQL: one snapshot per answer, read only, with the planner settings the
reports were measured with (projections/recorders.py `_read_settings`)."""

from __future__ import annotations

import psycopg
import pytest

from application.settings import Settings
from projections.views import open_views

pytestmark = pytest.mark.postgres


def test_a_read_of_the_views_is_one_read_only_snapshot_with_the_report_planner_settings(pg_server, tmp_path):
    views = open_views(Settings(database_url=pg_server.create_database("reads"), data_dir=tmp_path / "var"))
    try:
        with views.status.read() as tx:
            shown = {name: tx.rows(f"SHOW {name}")[0][name] for name in (
                "transaction_isolation", "transaction_read_only", "jit", "enable_nestloop", "work_mem",
                "random_page_cost", "cursor_tuple_fraction", "enable_partitionwise_aggregate")}
            # A page's query may walk an index with nested loops; the next query may not.
            walking = tx.page("SHOW enable_nestloop")[0]["enable_nestloop"]
            after = tx.rows("SHOW enable_nestloop")[0]["enable_nestloop"]
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                tx.rows("CREATE TABLE not_here (x INTEGER)")
    finally:
        views.close()
    assert shown == {"transaction_isolation": "repeatable read", "transaction_read_only": "on", "jit": "off",
                     "enable_nestloop": "off", "work_mem": "64MB", "random_page_cost": "1.1",
                     "cursor_tuple_fraction": "1", "enable_partitionwise_aggregate": "on"}
    assert (walking, after) == ("on", "off")
