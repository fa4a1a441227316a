"""The views: rebuilding them from the whole log, and keeping up with a burst of commands.

Rebuild: `zhijian rebuild VIEW` as its own process over the whole log, events/s against
the library reading and decoding every notification in the same run (the least any
rebuild must do), and the process's peak RSS from the kernel (it should stay flat:
a page of events per transaction).

Keeping up: 10,000 inspections over HTTP from 8 client threads while `zhijian project`
runs; the figure is how long after the last 201 the views report lag 0 on `/readyz`,
against the burst's own duration.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import httpx

from application.settings import Settings
from bench.baselines import raw_read_and_decode
from bench.figures import Figure, Results
from bench.server import Api, run_cli
from projections.views import VIEW_NAMES


def measure_rebuild(settings: Settings, database_url: str, scale: str, store: str) -> Results:
    results = Results("rebuild", scale, store)
    events, seconds = raw_read_and_decode(settings)
    raw_rate = events / seconds
    results.context.update({"events": events, "raw_read_seconds": round(seconds, 2)})
    results.add(Figure("raw read-and-decode of the log", raw_rate, "/s", "itself", raw_rate,
                       notes=f"{events:,} events in {seconds:.1f} s, library select_notifications + to_domain_event"))
    for view in VIEW_NAMES:
        _, took, peak = run_cli(database_url, "rebuild", view)
        rate = events / took
        results.add(Figure(f"zhijian rebuild {view}: events/s", rate, "/s", "raw read-and-decode, same run", raw_rate,
                           target=">= 0.8x baseline", met=rate >= 0.8 * raw_rate,
                           notes=f"{took:.1f} s for {events:,} events, process start included"))
        results.add(Figure(f"zhijian rebuild {view}: peak RSS", peak, "MB", "none (a size)", 0.0,
                           notes="VmHWM of the rebuild process, polled; flat means it does not grow with the log"))
    results.save()
    return results


@dataclass
class Burst:
    seconds: float
    statuses: Counter[int]
    last_201: float  # perf_counter of the last 201
    last_position: int


def burst(api: Api, token: str, enterprise_ids: list[UUID], *, commands: int, threads: int, today: date,
          timeout: float = 60) -> Burst:
    """`commands` inspections on random enterprises (a fixed shuffle), `threads` clients at once."""
    import random

    rng = random.Random(8)
    targets = [rng.choice(enterprise_ids) for _ in range(commands)]
    statuses: Counter[int] = Counter()
    last = [0.0, 0]
    lock = threading.Lock()
    body = {"occurred_on": today.isoformat(), "outcome": "compliant", "notes": "基准测试：并发检查录入"}

    def client_thread(share: list[UUID]) -> None:
        with httpx.Client(base_url=api.url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}) as client:
            for enterprise_id in share:
                try:
                    response = client.post(f"/enterprises/{enterprise_id}/inspections", json=body)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    statuses[status] += 1
                    if status == 201:
                        last[0] = time.perf_counter()
                        last[1] = max(last[1], int(response.json()["position"]))

    started = time.perf_counter()
    workers = [threading.Thread(target=client_thread, args=(targets[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return Burst(time.perf_counter() - started, statuses, last[0], last[1])


def wait_for_lag_zero(api: Api, token: str, limit: float = 300) -> tuple[float, dict[str, int]]:
    """Polls /readyz until every view's lag is 0; returns (perf_counter then, the last lag seen)."""
    deadline = time.perf_counter() + limit
    lag: dict[str, int] = {}
    with httpx.Client(base_url=api.url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as client:
        while time.perf_counter() < deadline:
            try:
                response = client.get("/readyz")
                if response.status_code == 200:
                    lag = response.json().get("projection_lag", {})
                    if lag and all(v == 0 for v in lag.values()):
                        return time.perf_counter(), lag
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    return float("nan"), lag


def measure_keeping_up(api: Api, token: str, enterprise_ids: list[UUID], scale: str, store: str, *, today: date,
                       commands: int = 10_000, threads: int = 8) -> Results:
    results = Results("keeping-up", scale, store, context={"commands": commands, "threads": threads,
                                                          "workers": api.workers})
    done = burst(api, token, enterprise_ids, commands=commands, threads=threads, today=today)
    caught_up, lag = wait_for_lag_zero(api, token)
    results.context["statuses"] = {str(k): v for k, v in done.statuses.items()}
    created = done.statuses.get(201, 0)
    results.add(Figure(f"burst of {commands:,} inspections over HTTP, {threads} threads", created / done.seconds, "/s",
                       "none (a rate)", 0.0, notes=f"{done.seconds:.1f} s; statuses {dict(done.statuses)}"))
    behind = caught_up - done.last_201 if done.last_201 else float("nan")
    results.add(Figure("views at lag 0 after the last 201", behind, "s", "the burst's duration", done.seconds,
                       target="<= 2 s", met=behind == behind and behind <= 2,  # NaN (never caught up) fails
                       notes=f"last position {done.last_position}; lag when polling stopped {lag}"))
    results.save()
    return results
