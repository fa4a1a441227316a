"""The projection worker (`zhijian project`, or `python -m projections.worker`).

On PostgreSQL: one supervised library runner per view (see runner_postgres.py). On
SQLite: the polling runner. Runs until SIGTERM or SIGINT, then stops cleanly.
"""

from __future__ import annotations

import logging
import signal
import threading

from application.settings import Settings
from projections.runner_sqlite import PollingRunner
from projections.views import VIEW_NAMES, open_views


def run_worker(settings: Settings, stopping: threading.Event) -> None:
    """Runs every view's projection until `stopping` is set."""
    if settings.is_postgres:
        from projections.runner_postgres import SupervisedRunner

        threads = [
            threading.Thread(target=SupervisedRunner(settings, view, stopping).run, name=f"projection-{view}")
            for view in VIEW_NAMES
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return
    views = open_views(settings)
    runner = PollingRunner(views.log, views.projections()).start()
    try:
        stopping.wait()
    finally:
        runner.stop()
        views.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    run_worker(Settings(), stopping)


if __name__ == "__main__":
    main()
