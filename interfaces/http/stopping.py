"""Stopping when told: the bound on how long a server process may take to exit.

On SIGTERM uvicorn stops accepting, lets requests in flight finish for the grace period
(`ZHIJIAN_SHUTDOWN_GRACE_SECONDS`, its `timeout_graceful_shutdown`), then cancels what is
left and runs the app's shutdown. Cancelling a request does not stop a thread already
working for it (a long report in the thread pool, a query waiting on a lock), and the
interpreter waits for such threads before it exits: that is how SIGTERM once failed to
stop `zhijian serve`. So when the app's shutdown begins, a daemon timer is armed: if the
process is still alive `AFTER_SHUTDOWN_SECONDS` later, it logs what it abandons and ends.

Nothing is left half done by that: a command's events are saved in one transaction, and a
view's rows with its tracking position in one transaction, so whatever a killed thread
had not committed is rolled back by the database, and the views take up from their
tracking position at the next start.
"""

from __future__ import annotations

import logging
import os
import threading

AFTER_SHUTDOWN_SECONDS = 5.0
log = logging.getLogger("zhijian.http")


def exit_if_still_running(after: float = AFTER_SHUTDOWN_SECONDS) -> threading.Timer:
    """Arms the timer; it does not keep the process alive, and a process that exits in time never fires it."""

    def force_exit() -> None:
        busy = [t.name for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon
                and t is not threading.main_thread()]
        log.warning("服务仍未退出，强制结束 (still running %.0f s after shutdown began; exiting without "
                    "%d unfinished thread(s): %s)", after, len(busy), ", ".join(busy) or "none")
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(0)

    timer = threading.Timer(after, force_exit)
    timer.daemon = True
    timer.name = "zhijian-exit-bound"
    timer.start()
    return timer
