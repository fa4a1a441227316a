"""On PostgreSQL: the library's ProjectionRunner (LISTEN/NOTIFY subscription), supervised.

- Order: the library takes `LOCK TABLE ... IN EXCLUSIVE MODE` on the events table in
  every insert transaction, so notification ids are handed out and committed one
  transaction at a time: ids become visible in commit order, and a subscriber reading
  `notification_id > last` can never pass over an id that commits later. Gaps (ids
  consumed by failed inserts) are harmless for the same reason.
- Supervision: when its LISTEN or database connection is lost the library's runner
  stops (upstream issue #305), and an exception in a projection stops its thread. The
  supervisor recreates the runner, which resumes from the view's tracking record.
- One active runner per view: the runner runs only while its supervisor holds the
  view's session advisory lock on a connection of its own; a second supervisor waits
  for the lock. If that connection dies the lock is gone too, so the runner is stopped
  before anyone else can take over.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from psycopg import sql
from eventsourcing.projection import ProjectionRunner

from application.settings import Settings
from projections.log import LedgerLog
from projections.projection import PROJECTIONS
from projections.recorders import RECORDERS
from projections.views import store_env

log = logging.getLogger(__name__)


class RunnerStopped(Exception):
    """The library's runner stopped by itself (e.g. its LISTEN connection was lost)."""


def connect(settings: Settings) -> psycopg.Connection[Any]:
    env = settings.eventsourcing_env()
    conn = psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], connect_timeout=10, autocommit=True,
    )
    if env.get("POSTGRES_SCHEMA"):
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(env["POSTGRES_SCHEMA"])))
    return conn


def lock_key(view: str) -> str:
    return f"zhijian-projection-{view}"


class SupervisedRunner:
    """Keeps one view's projection running until `stopping` is set."""

    def __init__(self, settings: Settings, view: str, stopping: threading.Event, retry: float = 1.0) -> None:
        self.settings, self.view, self.stopping, self.retry = settings, view, stopping, retry
        self.active = threading.Event()  # set while this supervisor holds the lock and runs
        self.restarts = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with connect(self.settings) as conn:
                    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (lock_key(self.view),)).fetchone()
                    if not row or not row[0]:
                        self.stopping.wait(self.retry)  # another runner is active: wait our turn
                        continue
                    self.active.set()
                    try:
                        self._run_until_stopped(conn)
                    finally:
                        self.active.clear()  # before the lock's connection closes
            except Exception:
                self.restarts += 1
                log.exception("projection %s stopped; restarting from its tracking record", self.view)
                self.stopping.wait(self.retry)

    def _run_until_stopped(self, lock: psycopg.Connection[Any]) -> None:
        runner: ProjectionRunner[Any, Any] = ProjectionRunner(
            application_class=LedgerLog,
            projection_class=PROJECTIONS[self.view],
            view_class=RECORDERS[(self.view, "postgres")],
            env=store_env(self.settings),
        )
        try:
            with runner:
                while not self.stopping.is_set():
                    runner.run_forever(timeout=0.5)  # re-raises the processing thread's error
                    if runner.is_interrupted.is_set() and not self.stopping.is_set():
                        raise RunnerStopped(f"the {self.view} runner stopped by itself")
                    lock.execute("SELECT 1")  # our lock's session is alive, so the lock is still ours
        finally:
            runner.view.datastore.close()
