"""The composition root: builds the ledger from settings. Nothing is built at import time."""

from __future__ import annotations

from application.ledger import Ledger
from application.settings import Settings


def build_ledger(settings: Settings | None = None) -> Ledger:
    settings = settings or Settings()
    return Ledger(
        settings.eventsourcing_env(),
        command_retries=settings.command_retries,
        cache_size=settings.aggregate_cache_size,
        snapshot_interval=settings.snapshot_interval,
    )
