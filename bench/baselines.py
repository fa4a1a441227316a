"""Baselines measured in the same run: what the bare eventsourcing library does on the same store.

A figure of ours is read against these (bench/figures.py): the library saving bare
aggregates in batches (for the generator and the census import), and the library
reading and decoding the whole log (for rebuilding the views).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from application.settings import Settings


class Bare(Aggregate):
    """One trivial event: the least the library can save."""

    @event("Created")
    def __init__(self, n: int) -> None:
        self.n = n


class BareApp(Application):
    # Its own table on PostgreSQL (benchbare_events), its own file on SQLite: never the ledger's log.
    name = "BenchBare"


def bare_env(settings: Settings, folder: Path | None = None) -> dict[str, str]:
    """The library's own persistence on the same store: its own table (PostgreSQL) or file (SQLite, in `folder`,
    default the data folder), and the library's recorder, which writes no leaf hashes: ours would record the bare
    events' leaves in the ledger's leaf table, at positions the ledger's events hold."""
    env = settings.eventsourcing_env()
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    if not settings.is_postgres:
        env["SQLITE_DBNAME"] = str(Path(folder or settings.data_dir) / "bare.sqlite3")
    return env


def raw_batched_save_rate(settings: Settings, *, events: int = 20_000, batch: int = 1000) -> float:
    """Events/s of the library saving new bare aggregates, `batch` of them per transaction."""
    app = BareApp(bare_env(settings))
    try:
        start = time.perf_counter()
        for first in range(0, events, batch):
            app.save(*(Bare(n) for n in range(first, min(events, first + batch))))
        return events / (time.perf_counter() - start)
    finally:
        app.close()


def raw_read_and_decode(settings: Settings, page: int = 1000) -> tuple[int, float]:
    """Reads every notification of the ledger's log with the library and decodes it: (events, seconds)."""
    from projections.log import LedgerLog
    from projections.views import store_env

    log: Any = LedgerLog(store_env(settings))
    try:
        start, n, after = time.perf_counter(), 0, 0
        while True:
            notifications = log.recorder.select_notifications(start=after, limit=page, inclusive_of_start=False)
            if not notifications:
                break
            for notification in notifications:
                log.mapper.to_domain_event(notification)
            n += len(notifications)
            after = notifications[-1].id
        return n, time.perf_counter() - start
    finally:
        log.close()
