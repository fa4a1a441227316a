"""Starting every view's runner in this process, for `zhijian project` and for the
server's embedded projections alike.

On PostgreSQL: one supervised runner per view (runner_postgres.py), each active only
while it holds its view's advisory lock, so any number of processes may start them:
one runs each view, the others stand by and take over if it dies. With a worker
process running, a server's runners stand by. On SQLite: the polling runner
(polling.py) over every view; SQLite has no such election, so a server starts it only
in the process that holds the data folder's lease (interfaces/http/leader.py).
"""

from __future__ import annotations

import threading

from application.settings import Settings
from projections.polling import PollingRunner
from projections.registry import VIEWS
from projections.views import Views, open_views


class Runners:
    """Every view's runner started in this process, until `stop()`."""

    def __init__(self) -> None:
        self.stopping = threading.Event()  # the supervised runners' stop signal
        self.threads: list[threading.Thread] = []
        self.polling: PollingRunner | None = None
        self.views: Views | None = None  # the polling runner's own connections

    def stop(self, timeout: float | None = 15.0) -> None:
        """Stops every runner and waits for each (at most `timeout` seconds a thread; None: as long as it takes)."""
        self.stopping.set()
        if self.polling is not None:
            self.polling.stop()
        for thread in self.threads:
            thread.join(timeout)
        if self.views is not None:
            self.views.close()


def start_runners(settings: Settings, *, poll_interval: float = 0.15) -> Runners:
    """Starts every view's runner (PostgreSQL: supervised, one per view; SQLite: the polling runner)."""
    runners = Runners()
    if settings.is_postgres:
        from projections.runner_postgres import SupervisedRunner

        for spec in VIEWS:
            runner = SupervisedRunner(settings, spec.name, runners.stopping)
            thread = threading.Thread(target=runner.run, name=f"projection-{spec.name}", daemon=True)
            thread.start()
            runners.threads.append(thread)
        return runners
    runners.views = open_views(settings)
    runners.polling = PollingRunner(runners.views.log, runners.views.projections(), interval=poll_interval).start()
    return runners
