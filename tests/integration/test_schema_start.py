"""Several processes starting at once on a new PostgreSQL database all start (`serve --workers N`,
the projection worker, the CLI): creating the tables is serialised, not raced."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from application.bootstrap import build_ledger
from application.settings import Settings
from projections import open_views

STARTERS = 6


def test_ledgers_and_views_built_at_the_same_moment_on_a_new_database_all_start(pg_server, tmp_path):
    for attempt in range(3):  # a race lost without the lock shows within a few tries
        settings = Settings(database_url=pg_server.create_database("start"), data_dir=tmp_path / str(attempt))
        ready = threading.Barrier(STARTERS)

        def start(n: int, ready: threading.Barrier = ready, settings: Settings = settings) -> str:
            ready.wait()
            if n % 2:
                views = open_views(settings)
                views.close()
                return "views"
            ledger = build_ledger(settings)
            ledger.close()
            return "ledger"

        with ThreadPoolExecutor(STARTERS) as pool:
            started = list(pool.map(start, range(STARTERS)))  # re-raises any start-up's error
        assert sorted(started) == ["ledger"] * 3 + ["views"] * 3
        with psycopg.connect(settings.database_url) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert "zhijian_events" in tables and any(t.startswith("view_") for t in tables), tables
