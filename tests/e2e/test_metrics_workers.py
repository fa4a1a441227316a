"""Several worker processes (zhijian serve --workers 2, the way docker-compose.yml runs the API) on PostgreSQL: with
PROMETHEUS_MULTIPROC_DIR, a scrape of any worker counts every worker's requests; logs are JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import serve_env, serving
from tests.e2e.test_observability import metric

pytestmark = pytest.mark.postgres


def test_a_scrape_of_any_worker_counts_the_requests_every_worker_answered(pg_server, tmp_path: Path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**serve_env(tmp_path / "var", pg_server.create_database("workers")),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log = tmp_path / "server.log"
    requests = 40
    with serving(env, log, "--workers", "2", "--no-access-log") as server:
        for i in range(requests):  # a new connection each time: the kernel spreads them over the workers
            with httpx.Client() as one:
                assert one.get(f"{server.api}/healthz", headers={"X-Request-ID": f"n-{i}"}).status_code == 200
        pids = {p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) >= 2, "both workers wrote their counters to the shared folder"
        for _ in range(4):
            with httpx.Client() as one:
                text = one.get(f"{server.api}/metrics").text
            assert metric(text, "zhijian_http_requests_total", method="GET", route="/healthz",
                          status="200") == requests
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert {f"n-{i}" for i in range(requests)} <= {e["request_id"] for e in lines if e["logger"] == "zhijian.access"}
