"""The processes a benchmark measures: a real PostgreSQL server, the API, the projection worker.

Each is a separate OS process started the way production starts it (`zhijian serve`,
`zhijian project`, `zhijian rebuild`), so what is measured includes process start-up,
connection pools and HTTP, and the memory read from /proc is the process's own.
Everything started here is stopped here, by its own process id.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
ZHIJIAN = [sys.executable, "-m", "interfaces.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env.update({"ZHIJIAN_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}, **extra)
    return env


# PostgreSQL's default (128 MB) holds a fraction of a province's views (the timeline's covering index
# alone is 174 MB): every report would read its pages from the kernel's cache again. A server is given
# about a quarter of its memory; the bench takes 2 GB of this machine's 24 GiB, as docker-compose.yml does.
SHARED_BUFFERS = "2GB"


@contextmanager
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own (run as `nobody` when we are root), removed afterwards, with its
    shared buffers sized as a production server's would be (SHARED_BUFFERS)."""
    server = PostgresServer.start(shared_buffers=SHARED_BUFFERS)
    try:
        yield server
    finally:
        server.stop()


# -- memory, from /proc ---------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (a multi-worker server forks its workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    return tree


def rss_mb(pid: int) -> float:
    """Resident memory now (VmRSS) of a process and its descendants, MB."""
    return sum(_status_kb(p, "VmRSS") for p in process_tree(pid)) / 1024


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its descendants since start or the last reset, MB."""
    return sum(_status_kb(p, "VmHWM") for p in process_tree(pid)) / 1024


def reset_peak_rss(pid: int) -> bool:
    """Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); False if not allowed."""
    ok = True
    for p in process_tree(pid):
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


# -- the zhijian processes ------------------------------------------------------------------------


def serve_supports_workers() -> bool:
    """Whether this checkout's `zhijian serve` has `--workers` (another developer is adding it)."""
    out = subprocess.run([*ZHIJIAN, "serve", "--help"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "COLUMNS": "200"})
    return "--workers" in out.stdout


@dataclass
class Process:
    """A zhijian process we started; its output goes to a log file beside the results."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start(name: str, args: list[str], database_url: str, logs: Path, **env: str) -> Process:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen([*ZHIJIAN, *args], cwd=ROOT, env=env_for(database_url, **env), stdout=handle,
                             stderr=subprocess.STDOUT, start_new_session=True)
    return Process(name, popen, log)


@dataclass
class Api:
    """The API server process and its base URL."""

    process: Process
    url: str
    workers: int

    def stop(self) -> None:
        self.process.stop()


def start_api(database_url: str, logs: Path, *, workers: int | None = None, timeout: float = 180) -> Api:
    """`zhijian serve` on a free port (with `--workers N` when it exists), ready when /healthz answers."""
    port = free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    used = 1
    if workers and serve_supports_workers():
        args += ["--workers", str(workers)]
        used = workers
    process = start("api", args, database_url, logs)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.popen.poll() is not None:
            raise RuntimeError(f"the API exited with {process.popen.returncode}:\n{process.tail()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return Api(process, url, used)
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"the API did not answer within {timeout:.0f} s:\n{process.tail()}")
        time.sleep(0.2)


def start_worker(database_url: str, logs: Path) -> Process:
    """`zhijian project`: the projection worker."""
    return start("project", ["project"], database_url, logs)


def run_cli(database_url: str, *args: str, timeout: float = 3600) -> tuple[str, float, float]:
    """Runs one zhijian command to its end: (output, seconds, its peak RSS in MB).

    The peak is the child's own VmHWM, polled from /proc while it runs: the kernel's
    rusage (ru_maxrss) of a forked child starts from the parent's size, so it would
    report this (larger) harness process instead.
    """
    import threading

    started = time.perf_counter()
    popen = subprocess.Popen([*ZHIJIAN, *args], cwd=ROOT, env=env_for(database_url, COLUMNS="120"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]

    def watch() -> None:
        while popen.poll() is None:
            peak[0] = max(peak[0], _status_kb(popen.pid, "VmHWM"))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert popen.stdout is not None
    try:
        output = popen.stdout.read().decode(errors="replace")
        popen.wait(timeout)
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait()
        watcher.join()
    seconds = time.perf_counter() - started
    if popen.returncode != 0:
        raise RuntimeError(f"zhijian {' '.join(args)} exited with {popen.returncode}:\n{output[-3000:]}")
    return output, seconds, peak[0] / 1024


def appoint_supervisor(database_url: str, name: str = "基准测试") -> str:
    """A unit-wide supervisor appointed with the CLI; returns the token (kept in memory only)."""
    output, _, _ = run_cli(database_url, "officials", "add", "--name", name, "--unit", "食品监管办",
                           "--role", "supervisor")
    tokens = re.findall(r"^(zj_\S+)$", output, flags=re.MULTILINE)
    if not tokens:
        raise RuntimeError("no token in the output of `zhijian officials add`")
    return tokens[-1]
