"""Starting `zhijian serve` as a real process for a test: a free port, the environment, readiness."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Any, what: str, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def serve_env(data_dir: Path, database_url: str | None, **settings: str) -> dict[str, str]:
    """This process's environment without any ZHIJIAN_ setting, then the store's and `settings`' own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env.update({"PYTHONPATH": str(ROOT), "ZHIJIAN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["ZHIJIAN_DATABASE_URL"] = database_url
    env.update({f"ZHIJIAN_{k.upper()}": v for k, v in settings.items()})
    return env


def start_serving(env: dict[str, str], log: Path, *args: str,
                  port: int | None = None) -> tuple[subprocess.Popen[bytes], str, int]:
    """`zhijian serve ARGS` on `port` (a free one when None), its output appended to `log`; returns once /readyz
    answers 200."""
    port = port or free_port()
    with log.open("a") as out:
        process = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port), *args],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{api}/readyz").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, "the server", seconds=90)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, api, port


@dataclass
class Serving:
    """A running `zhijian serve`, started by `serving`: its process, address and log."""

    env: dict[str, str]
    log: Path
    args: tuple[str, ...]
    process: subprocess.Popen[bytes]
    api: str
    port: int

    def kill_and_restart(self, away: float = 0.0) -> float:
        """SIGKILL, `away` seconds without a server, then the same command again on the same port; returns how long
        the new process took to be ready."""
        self.process.kill()
        self.process.wait(30)
        time.sleep(away)
        starting = time.monotonic()
        self.process, _, _ = start_serving(self.env, self.log, *self.args, port=self.port)
        return time.monotonic() - starting


@contextmanager
def serving(env: dict[str, str], log: Path, *args: str) -> Iterator[Serving]:
    """`zhijian serve ARGS` for the block (see `start_serving`), stopped with SIGTERM after it; then its log must hold
    no traceback."""
    process, api, port = start_serving(env, log, *args)
    served = Serving(env, log, args, process, api, port)
    try:
        yield served
    finally:
        served.process.terminate()
        served.process.wait(60)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
