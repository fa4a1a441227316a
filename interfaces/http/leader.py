"""Which of several server processes on one SQLite store runs the embedded projections.

The holder of an exclusive lock on a file in the data folder (`flock`: the kernel
releases it when the process dies, however it dies). The others serve requests only,
and retry the lock every second, so one of them takes over if the holder stops. On
PostgreSQL the runners elect themselves with advisory locks instead
(projections/runners.py).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path


class FileLease:
    """Calls `on_acquired` once this process holds the lock on `path`; on `stop`, `on_release` and lets go."""

    def __init__(self, path: Path, on_acquired: Callable[[], None], on_release: Callable[[], None],
                 retry_seconds: float = 1.0) -> None:
        self.path, self.retry_seconds = path, retry_seconds
        self.on_acquired, self.on_release = on_acquired, on_release
        self.stopping = threading.Event()
        self.held = threading.Event()
        self._fd: int | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FileLease:
        if not self._try():
            self._thread = threading.Thread(target=self._stand_by, name="projections-standby", daemon=True)
            self._thread.start()
        return self

    def _try(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for whoever looks
        self._fd = fd
        self.held.set()
        self.on_acquired()
        return True

    def _stand_by(self) -> None:
        while not self.stopping.wait(self.retry_seconds):
            if self._try():
                return

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._fd is not None:
            try:
                self.on_release()  # before letting go: no two processes project at once
            finally:
                os.close(self._fd)  # closing the descriptor releases the lock
                self._fd = None
                self.held.clear()
