"""The projection worker (`zhijian project`, or `python -m projections.worker`).

Starts every view's runner as the server's embedded projections do (runners.py: on
PostgreSQL one supervised runner per view, on SQLite the polling runner), and, as the
process running the projections, records a signed checkpoint of the log every
`checkpoint_minutes` when it has grown (application/audit/service.py). Runs until
SIGTERM or SIGINT, then stops cleanly.

Its database role (the projection role, application/db_roles.py) reads the events and
their leaves and may insert into `zhijian_checkpoints`; nothing else of the ledger's.
"""

from __future__ import annotations

import logging
import signal
import threading

from application.audit.leaf_store import LeafStore
from application.audit.service import CheckpointTimer, audit_over
from application.settings import Settings
from projections.log import LedgerLog
from projections.runners import start_runners
from projections.views import store_env


class Checkpoints:
    """Records the log's signed checkpoints every `checkpoint_minutes` (none when 0) over a reader of its own."""

    def __init__(self, settings: Settings) -> None:
        self.log: LedgerLog | None = None
        self.timer: CheckpointTimer | None = None
        if settings.checkpoint_minutes > 0:
            self.log = LedgerLog(store_env(settings, pool_size=1))
            audit = audit_over(LeafStore(self.log.recorder), settings, owner=self.log)
            self.timer = CheckpointTimer(audit, settings.checkpoint_minutes).start()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        if self.log is not None:
            self.log.close()


def run_worker(settings: Settings, stopping: threading.Event) -> None:
    """Runs every view's projection, and records checkpoints, until `stopping` is set."""
    runners = start_runners(settings)
    checkpoints = Checkpoints(settings)
    try:
        stopping.wait()
    finally:
        checkpoints.stop()
        runners.stop(timeout=None)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    run_worker(Settings(), stopping)


if __name__ == "__main__":
    main()
