"""Several worker processes (zhijian serve --workers 2, the way docker-compose.yml runs the API) on PostgreSQL: with
PROMETHEUS_MULTIPROC_DIR, a scrape of any worker counts every worker's requests; logs are JSON lines."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_observability import metric

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scrape_of_any_worker_counts_the_requests_every_worker_answered(pg_server, tmp_path: Path):
    port, metrics_dir = _free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": pg_server.create_database("workers"),
           "ZHIJIAN_DATA_DIR": str(tmp_path / "var"), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        requests = 40
        for i in range(requests):  # a new connection each time: the kernel spreads them over the workers
            with httpx.Client() as one:
                assert one.get(f"{url}/healthz", headers={"X-Request-ID": f"n-{i}"}).status_code == 200
        pids = {p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) >= 2, "both workers wrote their counters to the shared folder"
        for _ in range(4):
            with httpx.Client() as one:
                text = one.get(f"{url}/metrics").text
            assert metric(text, "zhijian_http_requests_total", method="GET", route="/healthz",
                          status="200") == requests
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")]
    assert {f"n-{i}" for i in range(requests)} <= {e["request_id"] for e in lines if e["logger"] == "zhijian.access"}
