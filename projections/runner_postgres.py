"""On PostgreSQL: each view's projection run by a supervised loop that processes the log in pages.

- Pages: the runner reads up to `page` notifications after the view's tracked position,
  decodes them, and applies them to the view in one transaction together with the
  tracking record (pages.py, `ViewProjection.process_batch`). One transaction per page instead of
  one per event is what lets the views keep up with a burst of commands.
- Order: the library takes `LOCK TABLE ... IN EXCLUSIVE MODE` on the events table in
  every insert transaction, so notification ids are handed out and committed one
  transaction at a time: ids become visible in commit order, and a reader asking for
  `notification_id > last` can never pass over an id that commits later. Gaps (ids
  consumed by failed inserts) are harmless for the same reason.
- Waking: every insert transaction sends NOTIFY on the log's channel; the runner
  LISTENs on its own connection and, when idle, waits for a notification (or a short
  timeout, in case one was missed) before reading the next page.
- Supervision and one active runner per view: the loop runs only while its supervisor
  holds the view's session advisory lock, on the same connection that LISTENs; a
  second supervisor waits for the lock. If that connection dies the lock is gone too,
  the loop stops with an error, and the supervisor starts again from the view's
  tracking record (exactly once: the tracking record commits with the view's rows).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from psycopg import sql

from application.settings import Settings
from application.storage import connect
from application.store_watch import Outage, is_unavailable
from projections.log import LedgerLog
from projections.pages import step
from projections.registry import view_spec
from projections.views import open_recorders, store_env

log = logging.getLogger(__name__)

PAGE = 1000  # events per transaction
IDLE_WAIT = 0.5  # seconds to wait for a notification when caught up


def lock_key(view: str) -> str:
    return f"zhijian-projection-{view}"


class SupervisedRunner:
    """Keeps one view's projection running until `stopping` is set."""

    def __init__(self, settings: Settings, view: str, stopping: threading.Event, retry: float = 1.0,
                 page: int = PAGE) -> None:
        self.settings, self.view, self.stopping, self.retry, self.page = settings, view, stopping, retry, page
        self.active = threading.Event()  # set while this supervisor holds the lock and runs
        self.restarts = 0
        self.outage = Outage(f"projection {view}")  # one line when the database goes, one when it is back

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with connect(self.settings) as conn:
                    self.outage.recovered()
                    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (lock_key(self.view),)).fetchone()
                    if not row or not row[0]:
                        self.stopping.wait(self.retry)  # another runner is active: wait our turn
                        continue
                    self.active.set()
                    try:
                        self._run_until_stopped(conn)
                    finally:
                        self.active.clear()  # before the lock's connection closes
            except Exception as e:
                self.restarts += 1
                if is_unavailable(e):  # no traceback a second while the database is away
                    self.outage.failed(e)
                else:
                    log.exception("projection %s stopped; restarting from its tracking record", self.view)
                self.stopping.wait(self.retry)

    def _run_until_stopped(self, conn: psycopg.Connection[Any]) -> None:
        env = store_env(self.settings)
        events = LedgerLog(env)
        factory, recorders = open_recorders(self.settings, views=(self.view,))
        try:
            projection = view_spec(self.view).projection(view=recorders[self.view])
            channel = events.recorder.channel_name  # type: ignore[attr-defined]  # PostgreSQL's recorder has it
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            while not self.stopping.is_set():
                if step(events, projection, self.page) < self.page:
                    # Caught up: wait for the next commit's NOTIFY (which also proves our
                    # lock's session is alive), or a short timeout in case one was missed.
                    for _ in conn.notifies(timeout=IDLE_WAIT, stop_after=1):
                        pass
        finally:
            events.close()
            factory.close()
