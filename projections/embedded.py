"""The projections inside the server process (embedded mode).

On SQLite the polling runner does the work. On PostgreSQL the server runs the same
supervised runners as `zhijian project`; they only become active while they hold the
view's advisory lock, so with a worker process running they stand by (and take over
if it dies). Either way the views stay live without a second process.
"""

from __future__ import annotations

import threading

from application.settings import Settings
from projections.runner_sqlite import PollingRunner
from projections.views import VIEW_NAMES, Views


class EmbeddedProjections:
    def __init__(self, settings: Settings, views: Views) -> None:
        self.settings, self.views = settings, views
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.polling: PollingRunner | None = None

    def start(self) -> EmbeddedProjections:
        if self.settings.is_postgres:
            from projections.runner_postgres import SupervisedRunner

            for view in VIEW_NAMES:
                runner = SupervisedRunner(self.settings, view, self.stopping)
                thread = threading.Thread(target=runner.run, name=f"projection-{view}", daemon=True)
                thread.start()
                self.threads.append(thread)
        else:
            self.polling = PollingRunner(self.views.log, self.views.projections(), interval=0.1).start()
        return self

    def wake(self) -> None:
        """Process new events now rather than at the next poll (after a command)."""
        if self.polling is not None:
            self.polling.wake.set()

    def stop(self) -> None:
        self.stopping.set()
        if self.polling is not None:
            self.polling.stop()
        for thread in self.threads:
            thread.join(15)
