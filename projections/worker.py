"""The projection worker (`zhijian project`, or `python -m projections.worker`).

Starts every view's runner as the server's embedded projections do (runners.py: on
PostgreSQL one supervised runner per view, on SQLite the polling runner). Runs until
SIGTERM or SIGINT, then stops cleanly.
"""

from __future__ import annotations

import logging
import signal
import threading

from application.settings import Settings
from projections.runners import start_runners


def run_worker(settings: Settings, stopping: threading.Event) -> None:
    """Runs every view's projection until `stopping` is set."""
    runners = start_runners(settings)
    try:
        stopping.wait()
    finally:
        runners.stop(timeout=None)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    run_worker(Settings(), stopping)


if __name__ == "__main__":
    main()
