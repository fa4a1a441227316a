"""The exit bound: a process whose shutdown has begun ends even while a thread still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STUCK = """
import logging, threading, time
from interfaces.http import stopping
logging.basicConfig(level=logging.INFO)
threading.Thread(target=time.sleep, args=(60,), name="report-writer").start()  # not a daemon: would hold exit
stopping.exit_if_still_running(after=0.5)
"""


def test_a_thread_still_working_does_not_keep_the_process_alive_past_the_bound():
    done = subprocess.run([sys.executable, "-c", STUCK], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "exiting without 1 unfinished thread(s): report-writer" in done.stderr, done.stderr


def test_a_process_that_ends_in_time_is_not_held_by_the_bound():
    quick = "from interfaces.http import stopping\nstopping.exit_if_still_running(after=60)\nprint('ended')"
    done = subprocess.run([sys.executable, "-c", quick], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "ended" and "强制结束" not in done.stderr, done.stderr
