"""Reading reports over HTTP from a real API process, against the HTTP floor of the same run.

Baseline: `GET /healthz` (no database, no view) measured in the same run: what any
request costs here. Each report is asked for random (`as_of`, `known_at`) pairs inside
the simulated year, as an auditor would. Then the campaign report as known at the end
of each of ARCHIVED_DAYS days, and the status and accountability reports, archived first
by `zhijian report archive` (the nightly job): what the leading group's "what did we
know on day D" costs once archived. A
request that times out counts as a failed target (never a crash), and each endpoint has
a time budget so that a slow read side cannot hold the whole benchmark up: the figure
then says how many requests it is over.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import httpx

from application.settings import Settings
from application.storage import connect
from bench.figures import Figure, Results
from bench.server import Api, peak_rss_mb, reset_peak_rss, rss_mb, run_cli
from domain.bureau_time import BUREAU_TZ
from projections.report_archive import TABLE as ARCHIVE_TABLE

ARCHIVED_DAYS = 10  # days archived and then asked for, three times each


@dataclass
class Sample:
    ms: float
    status: int  # 0 when the request timed out or failed
    size: int


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def get(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> Sample:
    started = time.perf_counter()
    try:
        response = client.get(path, params=params)
        size = len(response.content)
        status = response.status_code
    except httpx.HTTPError:
        size, status = 0, 0
    return Sample((time.perf_counter() - started) * 1000, status, size)


def forget_archived(database_url: str, first: date, last: date) -> None:
    """Drops the answers kept for the days first..last from the benchmark's database (a run measuring the
    archiving of days an earlier run kept would time finding them kept, and make none)."""
    with connect(Settings(database_url=database_url)) as conn:
        if conn.execute("SELECT to_regclass(%s)", (ARCHIVE_TABLE,)).fetchone() != (None,):
            conn.execute(f"DELETE FROM {ARCHIVE_TABLE} WHERE as_of BETWEEN %s AND %s",
                         (first.isoformat(), last.isoformat()))


def random_pairs(rng: random.Random, start: date, end: date, n: int) -> list[dict[str, str]]:
    """(as_of, known_at) pairs inside the simulated year; known_at on or after as_of, in office hours."""
    pairs = []
    for _ in range(n):
        as_of = start + timedelta(days=rng.randint(0, (end - start).days))
        known_on = as_of + timedelta(days=rng.randint(0, max(0, (end - as_of).days)))
        known_at = datetime.combine(known_on, dtime(8, 0), BUREAU_TZ) + timedelta(minutes=rng.randint(0, 600))
        pairs.append({"as_of": as_of.isoformat(), "known_at": known_at.isoformat()})
    return pairs


class ReportBench:
    def __init__(self, api: Api, token: str, start: date, end: date, results: Results, *, timeout: float = 120,
                 budget: float = 120, requests: int = 30, seed: int = 1, database_url: str | None = None) -> None:
        self.api, self.start, self.end, self.results, self.database_url = api, start, end, results, database_url
        self.timeout, self.budget, self.requests = timeout, budget, requests
        self.rng = random.Random(seed)
        self.client = httpx.Client(base_url=api.url, timeout=timeout,
                                   headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.client.close()

    def series(self, path: str, extra: dict[str, str] | None = None, n: int | None = None) -> list[Sample]:
        """Up to n requests with random pairs, within the time budget; stops after two timeouts."""
        samples: list[Sample] = []
        started = time.monotonic()
        for params in random_pairs(self.rng, self.start, self.end, n or self.requests):
            samples.append(get(self.client, path, {**params, **(extra or {})}))
            if sum(1 for s in samples if s.status == 0) >= 2 or time.monotonic() - started > self.budget:
                break
        return samples

    def floor(self) -> float:
        """p95 of GET /healthz: the HTTP floor."""
        get(self.client, "/healthz")
        samples = [get(self.client, "/healthz") for _ in range(60)]
        return percentile([s.ms for s in samples], 95)

    def figure(self, name: str, samples: list[Sample], p: float, target_ms: float, floor: float,
               notes: str = "") -> None:
        ok = [s.ms for s in samples if s.status == 200]
        failed = len(samples) - len(ok)
        value = percentile(ok, p) if ok else self.timeout * 1000
        met = bool(ok) and failed == 0 and value <= target_ms
        detail = f"{len(ok)} answered" + (f", {failed} failed or timed out" if failed else "")
        statuses = sorted({s.status for s in samples if s.status != 200})
        if statuses:
            detail += f" (status {statuses})"
        self.results.add(Figure(name, value, "ms", "GET /healthz p95 (HTTP floor)", floor,
                                target=f"<= {target_ms:.0f} ms", met=met,
                                notes="; ".join(x for x in (detail, notes) if x)))

    def run(self) -> None:
        floor = self.floor()
        self.results.add(Figure("GET /healthz p95", floor, "ms", "GET /healthz p95 (HTTP floor)", floor))
        campaign = self.series("/reports/campaign", {"format": "json"})
        ok = [s.ms for s in campaign if s.status == 200]
        if ok:
            self.results.add(Figure("GET /reports/campaign json p50", percentile(ok, 50), "ms",
                                    "GET /healthz p95 (HTTP floor)", floor, notes=f"{len(ok)} answered"))
        self.figure("GET /reports/campaign json p95", campaign, 95, 500, floor)
        self.html(floor)
        self.xlsx(floor)
        for path, extra in (("/reports/status", {}), ("/reports/accountability", {}),
                            ("/reports/disclosure", {"limit": "50"})):
            samples = self.series(path, extra)
            query = "?limit=50" if extra else ""
            self.figure(f"GET {path}{query} p95", samples, 95, 200, floor)
        if self.database_url:
            self.archived(floor)

    def archived(self, floor: float) -> None:
        """ARCHIVED_DAYS days in the middle of the year archived (the campaign report in JSON and HTML, the status
        and accountability reports), then each asked for as known at its end, three times, in JSON."""
        first = self.start + timedelta(days=(self.end - self.start).days // 2)
        last = first + timedelta(days=ARCHIVED_DAYS - 1)
        assert self.database_url is not None
        forget_archived(self.database_url, first, last)  # an earlier run on this database kept them: make them again
        output, seconds, _ = run_cli(self.database_url, "report", "archive", "--from", first.isoformat(), "--to",
                                     last.isoformat())
        made = re.search(r"archived (\d+) answers", output)
        self.results.add(Figure("zhijian report archive, one day (4 answers)", seconds / ARCHIVED_DAYS * 1000,
                                "ms", "none (the nightly job's cost)", 0.0,
                                notes=f"{made.group(1) if made else 'no'} answers for {ARCHIVED_DAYS} days in "
                                      f"{seconds:.0f} s"))
        for path, extra in (("/reports/campaign", {"format": "json"}), ("/reports/status", {}),
                            ("/reports/accountability", {})):
            samples = []
            for _ in range(3):
                for i in range(ARCHIVED_DAYS):
                    day = first + timedelta(days=i)
                    known_at = datetime.combine(day + timedelta(days=1), dtime(0, 0), BUREAU_TZ)
                    samples.append(get(self.client, path,
                                       {"as_of": day.isoformat(), "known_at": known_at.isoformat(), **extra}))
            target = 500 if path == "/reports/campaign" else 200
            self.figure(f"GET {path} p95, a day as known at its end (archived)", samples, 95, target, floor)

    def html(self, floor: float) -> None:
        samples = self.series("/reports/campaign", {"format": "html"}, n=3)
        ok = [s for s in samples if s.status == 200]
        self.figure("GET /reports/campaign html (median of 3)", samples, 50, 1000, floor)
        size = max((s.size for s in ok), default=0) / 1024 / 1024
        self.results.add(Figure("GET /reports/campaign html size", size, "MB", "none (a size)", 0.0,
                                target="<= 2 MB", met=bool(ok) and size <= 2))

    def xlsx(self, floor: float) -> None:
        """One xlsx report, watching the API's resident memory while it is made."""
        pid = self.api.process.pid
        reset = reset_peak_rss(pid)
        before = rss_mb(pid)
        peak = [before]
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], rss_mb(pid))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        params = {"as_of": date(self.start.year, 12, 16).isoformat(), "format": "xlsx"}
        sample = get(self.client, "/reports/campaign", params)
        done.set()
        watcher.join()
        hwm = peak_rss_mb(pid)
        peak_mb = max(peak[0], hwm if reset else 0)
        self.figure("GET /reports/campaign xlsx", [sample], 50, 10_000, floor,
                    notes=f"{sample.size / 1024:.0f} KB")
        self.results.add(Figure("API peak RSS while serving xlsx", peak_mb, "MB", "API RSS before the request", before,
                                target="<= 400 MB", met=sample.status == 200 and peak_mb <= 400,
                                notes=f"VmHWM {'reset before the request' if reset else 'since start'}: {hwm:.0f} MB; "
                                      f"sampled every 20 ms: {peak[0]:.0f} MB; {self.api.workers} worker(s)"))


def measure_reports(api: Api, token: str, start: date, end: date, scale: str, store: str, **kwargs: Any) -> Results:
    results = Results("reports", scale, store,
                      context={"workers": api.workers, "simulated_year": [str(start), str(end)]})
    bench = ReportBench(api, token, start, end, results, **kwargs)
    try:
        bench.run()
    finally:
        bench.close()
    results.save()
    return results
