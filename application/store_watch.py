"""Is the database there? One line in the log when it goes away and one when it is back,
and a watch that answers the question at once instead of letting every request find out.

While PostgreSQL is unreachable every request would otherwise wait for a pooled
connection (ZHIJIAN_DB_POOL_TIMEOUT_SECONDS) and log its own traceback. The watch pings
the database from a thread of its own every half second on a connection of its own;
while it is away, the HTTP layer answers 503 at once (interfaces/http/store_guard.py),
and when it is back requests flow again, with no restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("zhijian.store")

PING_INTERVAL = 0.5  # seconds between pings, and between attempts to reconnect while the database is away


class StoreUnavailable(Exception):
    """The database did not answer (refused, timed out, or the connection broke)."""


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database cannot be reached, rather than that a statement failed."""
    import psycopg
    from eventsourcing.persistence import InterfaceError, OperationalError

    unavailable = (StoreUnavailable, OperationalError, InterfaceError, psycopg.OperationalError,
                   psycopg.InterfaceError, ConnectionError, TimeoutError)
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg.errors.QueryCanceled):  # a statement timeout: the database is there
            return False
        if isinstance(seen, unavailable):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


class Outage:
    """Logs one line when the database goes away for `who`, and one when it is back (not one per failure)."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self.since is not None:
                return
            self.since = time.monotonic()
        log.error("数据库不可用 (database unavailable) for %s: %s", self.who, first_line(error))

    def recovered(self) -> None:
        with self._lock:
            if self.since is None:
                return
            lasted, self.since = time.monotonic() - self.since, None
        log.warning("数据库已恢复 (database available again) for %s after %.1f s", self.who, lasted)


class StoreWatch(Outage):
    """Pings the settings' PostgreSQL database every PING_INTERVAL from a thread of its own."""

    def __init__(self, settings: Any, who: str = "the API", on_recovery: Callable[[], None] = lambda: None) -> None:
        super().__init__(who)
        self.settings = settings
        # Run when the database answers again, before requests are let through: e.g. checking the
        # connection pools, whose connections all broke, so that no request waits on one of them.
        self.on_recovery = on_recovery
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> StoreWatch:
        self._thread = threading.Thread(target=self._run, name="store-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        self._close()

    def suspect(self) -> None:
        """A request met an error that may mean the database is away: ping now rather than at the next tick."""
        self._wake.set()

    def ping(self) -> None:
        """Raises when the database does not answer within the connect timeout (its own connection, kept open)."""
        from application.storage import connect

        if self._conn is None or self._conn.closed:
            self._conn = connect(self.settings, options="-c statement_timeout=2000")
        self._conn.execute("SELECT 1")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.ping()
                if self.down:
                    self.on_recovery()
                self.recovered()
            except Exception as e:  # noqa: BLE001 - whatever the driver raises, the database did not answer
                self._close()
                self.failed(e)
            self._wake.wait(PING_INTERVAL)
            self._wake.clear()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001, S110 - a broken connection may fail to close; it is gone either way
                pass
