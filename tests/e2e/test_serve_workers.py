"""`zhijian serve --workers 2` as a real process on each store: commands, reads, views, and the CLI's revocations."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from application.bootstrap import build_ledger
from application.settings import Settings
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from tests.e2e.processes import ROOT, serve_env, serving

TODAY = bureau_today()
ON = (TODAY - timedelta(days=20)).isoformat()


@dataclass
class Served:
    settings: Settings
    api: str
    pid: int
    env: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "interfaces.cli", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def appoint(self, role: str, name: str) -> tuple[str, str]:
        ledger = build_ledger(self.settings)
        try:
            appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name=name, unit="质监局", role=role)
            return str(appointed.official_id), appointed.token
        finally:
            ledger.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("var")
    url = request.getfixturevalue("pg_server").create_database() if request.param == "postgres" else None
    settings = Settings(database_url=url, data_dir=data_dir)
    # the recheck bound itself is tested in test_authentication.py
    env = serve_env(data_dir, url, auth_recheck_seconds="0")
    with serving(env, data_dir / "serve.log", "--workers", "2") as server:
        yield Served(settings, server.api, server.process.pid, env)


def workers_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def test_two_workers_answer_commands_and_reads_and_the_views_stay_right(served):
    _, token = served.appoint("supervisor", "李明")
    auth = {"Authorization": f"Bearer {token}"}
    assert len(workers_of(served.pid)) >= 2
    if not served.settings.is_postgres:  # one worker runs the projections: the lock's holder
        assert int((served.settings.data_dir / "projections.lock").read_text()) in workers_of(served.pid)

    def post(path: str, body: dict) -> httpx.Response:
        with httpx.Client(base_url=served.api, headers=auth, timeout=60) as c:  # a connection of its own
            return c.post(path, json=body)

    enterprises = []
    for n in range(4):
        r = post("/enterprises", {"name": f"企业{n}", "town": "石桥镇", "area": "rural", "kind": "small_workshop",
                                   "product_categories": ["bean_products"], "occurred_on": ON})
        assert r.status_code == 201, r.text
        enterprises.append(r.json()["enterprise_id"])

    def sample(n: int) -> httpx.Response:
        body = {"occurred_on": ON, "sample_no": f"CJ-{n}", "product_category": "bean_products",
                "result": "fail" if n // 4 % 2 else "pass"} | ({"failed_items": ["铅"]} if n // 4 % 2 else {})
        return post(f"/enterprises/{enterprises[n % 4]}/samples", body)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(sample, range(40)))
    assert [r.status_code for r in responses] == [201] * 40, [r.text for r in responses if r.status_code != 201]
    last = max(r.json()["position"] for r in responses)

    with httpx.Client(base_url=served.api, headers=auth, timeout=60) as c:
        for e in enterprises:
            versions = [ev["version"] for ev in c.get(f"/enterprises/{e}/history").json()["events"]]
            assert versions == list(range(1, 12))
            view = c.get(f"/enterprises/{e}", params={"after": last})
            assert view.status_code == 200, view.text
            assert view.json()["samples"] == {"taken": 10, "failed": 5} and view.json()["version"] == 11
        report = c.get("/reports/status", params={"after": last}).json()
        assert report["total"] == 4 and report["by_town"]["石桥镇"] == {"registered": 4}


def test_a_token_revoked_or_an_official_deactivated_by_the_cli_is_refused_by_every_worker_at_once(served):
    official_id, first = served.appoint("inspector", "王芳")
    ledger = build_ledger(served.settings)
    try:
        second = ledger.issue_token(UUID(official_id), by=SYSTEM, today=TODAY)
    finally:
        ledger.close()

    def statuses(token: str, times: int = 8) -> set[int]:
        seen = set()
        for _ in range(times):  # a connection each: the workers share the listening socket
            with httpx.Client(base_url=served.api, timeout=60) as c:
                seen.add(c.get("/reports/status", headers={"Authorization": f"Bearer {token}"}).status_code)
        return seen

    assert statuses(first) == {200} and statuses(second) == {200}  # both workers have cached the official
    done = served.cli("officials", "revoke", official_id, first)
    assert done.returncode == 0, done.stderr
    assert statuses(first) == {401}
    assert statuses(second) == {200}
    done = served.cli("officials", "deactivate", official_id)
    assert done.returncode == 0, done.stderr
    assert statuses(second) == {401}
