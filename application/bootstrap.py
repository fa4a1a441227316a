"""The composition root: builds the ledger from settings. Nothing is built at import time."""

from __future__ import annotations

from application.ledger import Ledger
from application.settings import Settings
from application.storage import schema_lock


def build_ledger(settings: Settings | None = None) -> Ledger:
    settings = settings or Settings()
    # The library creates its tables (and their types) as the ledger is built; several
    # processes starting at once on a new database (`serve --workers N`, the projection
    # worker) would race on PostgreSQL's catalogue without the lock.
    with schema_lock(settings):
        return Ledger(
            settings.eventsourcing_env(),
            command_retries=settings.command_retries,
            cache_size=settings.aggregate_cache_size,
            snapshot_interval=settings.snapshot_interval,
            create_tables=settings.create_tables,
        )
