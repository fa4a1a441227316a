"""Commands that scale: HTTP command throughput and latency against the bare library, same run, same store.

    python -m bench.commands [--database-url postgresql://...] [--store postgres|sqlite|both]
                             [--scale small|medium|large] [--threads 8] [--workers 2]

Per store (PostgreSQL: the one at --database-url, in a fresh schema, or one the bench
starts itself with tests.pg_server; SQLite: a fresh folder):

- baseline: the eventsourcing library's own get + save of one trivial event on a bare
  aggregate (no cache, no snapshots), from `--threads` threads, each on its own aggregates;
- the ledger in-process (`Ledger.inspect`: roles, towns, rules, save), same threads;
- HTTP: `POST /enterprises/{id}/inspections` to a real `zhijian serve` process, with one
  worker and with `--workers N`, from `--threads` client threads on keep-alive
  connections: rate, p50, p99;
- history: the same command on an enterprise with 1,000 events against one with 10
  (requests alternate between the two, so the machine's noise falls on both alike), and
  a cold load of each in a fresh process' ledger (snapshot + the events after it);
- the census import, batched.

Each thread works on its own enterprises (as many as the baseline has aggregates), so
what is measured is throughput, not contention on one record. The modes run in turns,
three rounds after one that warms up, each turn starting once the views have caught up,
so that the shared machine's moods fall on all of them alike. On PostgreSQL the views
are fed by `zhijian project` in its own process, as in production (docker-compose.yml);
on SQLite by the 1-worker server (the holder of its projections lock). Beside each rate:
the CPU per command of all our processes (this one, the servers, the projections,
PostgreSQL when started here), which depends less on the machine's other load.

Prints the figures and saves them with bench/figures.py
(bench/results/commands-<scale>-<store>.json). Asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from application.bootstrap import build_ledger
from application.census import CensusImport
from application.commands import Inspect
from application.ledger import Ledger
from application.settings import Settings
from bench.baselines import bare_env
from bench.figures import Figure, Results, print_figures
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from domain.enterprise import Enterprise
from domain.official import Caller

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"tiny": 1.5, "small": 3.0, "medium": 9.0, "large": 18.0, "province": 18.0}  # seconds per mode, all rounds
AGGREGATES_PER_THREAD = 64
SHORT, LONG = 10, 1000  # events in the two enterprises of the history figure


class Counter(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.n = 0

    @event("Incremented")
    def increment(self) -> None:
        self.n += 1


class Bare(Application[UUID]):
    name = "BenchBare"


# -- measuring -----------------------------------------------------------------------


class Run:
    """Latencies of the commands that `threads` threads completed within `seconds`."""

    def __init__(self, latencies: list[float], seconds: float, failures: int) -> None:
        self.latencies, self.seconds, self.failures = sorted(latencies), seconds, failures

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        return self.latencies[min(len(self.latencies) - 1, int(p / 100 * len(self.latencies)))] * 1000


def threaded(threads: int, seconds: float, warmup: float, make_worker: Callable[[int], Callable[[int], bool]]) -> Run:
    """Runs `threads` workers (each made by make_worker(i), called with a counter) for warmup + seconds."""
    start = threading.Barrier(threads + 1)
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    window: list[float] = []

    def loop(i: int) -> None:
        work = make_worker(i)
        mine: list[float] = []
        failed = 0
        start.wait()
        begin = time.perf_counter()
        measure_from, end = begin + warmup, begin + warmup + seconds
        n = 0
        while True:
            t0 = time.perf_counter()
            if t0 >= end:
                break
            ok = work(n)
            n += 1
            t1 = time.perf_counter()
            if t0 >= measure_from and t1 <= end:
                if ok:
                    mine.append(t1 - t0)
                else:
                    failed += 1
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    window.append(time.perf_counter())
    for t in pool:
        t.join()
    return Run(latencies, seconds, failures[0])


def warm_up(threads: int, per_thread: int, make_worker: Callable[[int], Callable[[int], bool]]) -> None:
    def loop(i: int) -> None:
        work = make_worker(i)
        for n in range(per_thread):
            work(n)

    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


# -- the stores ------------------------------------------------------------------------


@contextmanager
def postgres_url(database_url: str | None) -> Iterator[tuple[str, int | None]]:
    """A fresh schema in the given database, or a fresh database on a server started here (and its pid)."""
    import psycopg

    if database_url:
        schema = f"bench_commands_{os.getpid()}"
        plain = urlunsplit(urlsplit(database_url)._replace(query=""))
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        sep = "&" if urlsplit(database_url).query else "?"
        try:
            yield f"{database_url}{sep}schema={schema}", None
        finally:
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return
    sys.path.insert(0, str(ROOT))
    from bench.server import SHARED_BUFFERS
    from tests.pg_server import PostgresServer

    server = PostgresServer.start(shared_buffers=SHARED_BUFFERS)
    try:
        pid = int((server.datadir / "postmaster.pid").read_text().split()[0])
        yield server.create_database("bench"), pid
    finally:
        server.stop()


# -- seeding ---------------------------------------------------------------------------


def seed_enterprises(ledger: Ledger, chief: Caller, count: int, events: int, registered_on: date) -> list[UUID]:
    """`count` enterprises with `events` events each, saved in batches (as the census import does)."""
    ids: list[UUID] = []
    batch: list[Enterprise] = []
    today = bureau_today()
    for i in range(count):
        e = Enterprise.register(actor=chief.as_actor, today=today, occurred_on=registered_on, name=f"压测企业{i}",
                                town="石桥镇", area="rural", kind="small_workshop")
        for _ in range(events - 1):
            e.inspect(actor=chief.as_actor, today=today, occurred_on=registered_on, outcome="compliant")
        batch.append(e)
        ids.append(e.id)
        if sum(len(b.pending_events) for b in batch) >= 2000 or i == count - 1:
            ledger.save(*batch)
            batch = []
    return ids


# -- a real server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: Settings, workers: int) -> Iterator[tuple[int, int]]:
    """A `zhijian serve` process (with `workers` workers) on this store; yields its port and pid."""
    port = free_port()
    env = {**os.environ, "ZHIJIAN_DATA_DIR": str(settings.data_dir)}
    env.pop("ZHIJIAN_DATABASE_URL", None)
    if settings.database_url:
        env["ZHIJIAN_DATABASE_URL"] = settings.database_url
    cmd = [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    log = open(settings.data_dir / f"serve-{port}.log", "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"zhijian serve did not start: see {log.name}")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@contextmanager
def projecting(settings: Settings) -> Iterator[int | None]:
    """On PostgreSQL, `zhijian project` as its own process, as in production (docker-compose.yml): the servers'
    embedded runners stand by. Yields its pid (None on SQLite, where a server process projects)."""
    if not settings.is_postgres:
        yield None
        return
    env = {**os.environ, "ZHIJIAN_DATA_DIR": str(settings.data_dir), "ZHIJIAN_DATABASE_URL": str(settings.database_url)}
    log = open(settings.data_dir / "project.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "project"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        import psycopg

        # Until the views' advisory locks are taken (by it, unless another process in this database holds
        # them: the lock keys do not name the schema), so that the servers started next stand by.
        deadline = time.monotonic() + 15
        with psycopg.connect(urlunsplit(urlsplit(str(settings.database_url))._replace(query=""))) as conn:
            held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            while conn.execute(held).fetchone()[0] < 2:
                if proc.poll() is not None:
                    raise RuntimeError(f"zhijian project stopped: see {log.name}")
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


class Client:
    """One keep-alive connection; posts inspections."""

    def __init__(self, port: int, token: str, occurred_on: date) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.body = json.dumps({"occurred_on": occurred_on.isoformat(), "outcome": "compliant"})

    def inspect(self, enterprise_id: UUID) -> bool:
        try:
            self.conn.request("POST", f"/enterprises/{enterprise_id}/inspections", self.body, self.headers)
            response = self.conn.getresponse()
            response.read()
            return response.status == 201
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return False


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (threads included)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# -- the benchmark ------------------------------------------------------------------------


def wait_for_views(port: int, token: str, timeout: float = 60.0) -> None:
    """Until the server's views have caught up with the log, so that no slice pays for another's projections."""
    deadline = time.monotonic() + timeout
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < deadline:
        conn.request("GET", "/readyz", headers={"Authorization": f"Bearer {token}"})
        body = json.loads(conn.getresponse().read())
        if not any(body.get("projection_lag", {}).values()):
            return
        time.sleep(0.2)


def bench_store(store: str, settings: Settings, folder: Path, scale: str, threads: int, workers: int,
                postgres_pid: int | None = None) -> Results:
    seconds = SCALES.get(scale, SCALES["medium"])
    rounds, warmup = 3, 1.0
    results = Results("commands", scale, store)
    aggregates = threads * AGGREGATES_PER_THREAD
    registered_on = bureau_today() - timedelta(days=30)
    print(f"\n== {store}: {threads} threads on {aggregates} aggregates; {rounds} rounds of {seconds / rounds:g} s "
          f"per mode after one to warm up, modes interleaved; projections: "
          f"{'zhijian project' if settings.is_postgres else 'embedded in the 1-worker server'} ==")

    bare = Bare(bare_env(settings, folder))
    counters = [Counter() for _ in range(aggregates)]
    for c in counters:
        for _ in range(SHORT - 1):
            c.increment()
    bare.save(*counters)
    ids = [c.id for c in counters]

    def bare_worker(i: int) -> Callable[[int], bool]:
        mine = ids[i::threads]

        def command(n: int) -> bool:
            counter = bare.repository.get(mine[n % len(mine)])
            counter.increment()
            bare.save(counter)
            return True

        return command

    ledger = build_ledger(settings)
    chief = ledger.authenticate(ledger.appoint_official(
        by=SYSTEM, today=bureau_today(), name="李明", unit="食品监管办", role="supervisor").token)
    token = ledger.appoint_official(by=SYSTEM, today=bureau_today(), name="压测", unit="食品监管办",
                                    role="supervisor").token
    enterprises = seed_enterprises(ledger, chief, aggregates, SHORT, registered_on)
    short = seed_enterprises(ledger, chief, 1, SHORT, registered_on)[0]
    long = seed_enterprises(ledger, chief, 1, LONG, registered_on)[0]

    def ledger_worker(i: int) -> Callable[[int], bool]:
        mine = enterprises[i::threads]

        def command(n: int) -> bool:
            ledger.record(mine[n % len(mine)], Inspect(occurred_on=registered_on, outcome="compliant"), by=chief,
                          today=bureau_today())
            return True

        return command

    def http_worker(port: int) -> Callable[[int], Callable[[int], bool]]:
        def make(i: int) -> Callable[[int], bool]:
            client, mine = Client(port, token, registered_on), enterprises[i::threads]
            return lambda n: client.inspect(mine[n % len(mine)])

        return make

    one, many = "1 worker", f"--workers {workers}"
    with projecting(settings) as pid_projector, serving(settings, 1) as (port_one, pid_one), \
            serving(settings, workers) as (port_many, pid_many):
        modes: dict[str, Callable[[int], Callable[[int], bool]]] = {
            "baseline": bare_worker, "ledger": ledger_worker, one: http_worker(port_one),
            many: http_worker(port_many)}
        runs: dict[str, list[Run]] = {mode: [] for mode in modes}
        # CPU of every process of ours (this one, both servers, PostgreSQL when started here) per command:
        # unlike a rate, it hardly depends on what else the shared machine is doing.
        cpu: dict[str, float] = dict.fromkeys(modes, 0.0)
        server_cpu: dict[str, float] = dict.fromkeys(modes, 0.0)
        for round_ in range(rounds + 1):  # round 0 warms up: connections, and each process' cache
            for mode, make in modes.items():
                wait_for_views(port_one, token)
                if round_ == 0:
                    # Every aggregate, three times, each time on new connections: each worker process
                    # of the --workers server is likely to have met (and cached) each enterprise.
                    for _ in range(3):
                        warm_up(threads, AGGREGATES_PER_THREAD, make)
                    continue
                servers = process_tree(pid_one) + process_tree(pid_many)
                servers += process_tree(pid_projector) if pid_projector else []
                ours = [os.getpid(), *servers, *(process_tree(postgres_pid) if postgres_pid else [])]
                before, before_servers = cpu_seconds(ours), cpu_seconds(servers)
                run = threaded(threads, seconds / rounds, warmup, make)
                share = (seconds / rounds) / (seconds / rounds + warmup)  # the measured part of the slice
                cpu[mode] += (cpu_seconds(ours) - before) * share
                server_cpu[mode] += (cpu_seconds(servers) - before_servers) * share
                runs[mode].append(run)
        wait_for_views(port_one, token)
        history = history_cost(port_one, token, registered_on, short, long, seconds)
    merged = {mode: Run([t for r in rs for t in r.latencies], sum(r.seconds for r in rs), sum(r.failures for r in rs))
              for mode, rs in runs.items()}
    base = merged["baseline"]
    per_command = {mode: cpu[mode] / max(1, len(run.latencies)) * 1000 for mode, run in merged.items()}
    grown = len(base.latencies) // aggregates
    print_figures([], header=True)
    baseline = results.add(Figure(
        f"library get+save, {threads} threads", base.rate, "/s", "itself", base.rate,
        notes=f"{aggregates} aggregates of {SHORT} events (+~{grown} during the run); p50 "
              f"{base.percentile(50):.1f} ms, p99 {base.percentile(99):.1f} ms"))
    base_name = baseline.name
    run = merged["ledger"]
    results.add(Figure(f"ledger.inspect in-process, {threads} threads", run.rate, "/s", base_name, base.rate,
                       notes=f"p50 {run.percentile(50):.1f} ms, p99 {run.percentile(99):.1f} ms"))
    for label in (one, many):
        run = merged[label]
        results.add(Figure(
            f"HTTP POST inspections, {label}, {threads} clients", run.rate, "/s", base_name, base.rate,
            target=">= 0.5 x baseline", met=run.rate >= 0.5 * base.rate, notes=f"failures {run.failures}"))
        results.add(Figure(f"HTTP POST inspections, {label}, p50", run.percentile(50), "ms",
                           "baseline p50", base.percentile(50)))
        results.add(Figure(f"HTTP POST inspections, {label}, p99", run.percentile(99), "ms",
                           "baseline p99", base.percentile(99), target="<= 100 ms", met=run.percentile(99) <= 100))

    for mode in ("ledger", one, many):
        results.add(Figure(f"CPU per command, all our processes: {mode}", per_command[mode], "ms",
                           "the same for the library's get+save", per_command["baseline"],
                           notes="servers and projections "
                                 f"{server_cpu[mode] / max(1, len(merged[mode].latencies)) * 1000:.2f}"
                                 " ms; includes projecting these events into the views"))

    short_ms, long_ms = history
    results.add(Figure(f"HTTP command on an enterprise of {LONG} events (mean)", long_ms, "ms",
                       f"the same on one of {SHORT} events, alternating", short_ms,
                       target="no more than 10 events' (ratio <= 1.2, noise)", met=long_ms <= 1.2 * short_ms))
    ledger.close()
    bare.close()

    cold_short, cold_long = cold_loads(settings, short, long)
    results.add(Figure(f"cold load of an enterprise of {LONG} events (fresh ledger)", cold_long, "ms",
                       f"cold load of one of {SHORT} events", cold_short,
                       notes="snapshot + the events after it; later loads are fast-forwards"))

    ledger = build_ledger(settings)
    n = int(100 * seconds)
    rows = [(i + 2, {"name": f"普查企业{i}", "town": "河口镇", "area": "rural", "kind": "sales_point",
                     "occurred_on": registered_on.isoformat()}) for i in range(n)]
    start = time.perf_counter()
    CensusImport(ledger, actor=SYSTEM, today=bureau_today()).run(iter(rows))
    import_rate = n / (time.perf_counter() - start)
    ledger.close()
    results.add(Figure("census import (batched), rows", import_rate, "/s", base_name, base.rate))
    results.context.update({"threads": threads, "aggregates": aggregates, "seconds_per_mode": seconds,
                            "rounds": rounds, "workers": workers, "cpus": os.cpu_count(),
                            "projections": "zhijian project" if settings.is_postgres else "embedded",
                            "load_average": os.getloadavg()})
    return results


def history_cost(port: int, token: str, occurred_on: date, short: UUID, long: UUID,
                 seconds: float) -> tuple[float, float]:
    """Mean latency (ms) of one client's commands on the short and the long enterprise, alternating."""
    client = Client(port, token, occurred_on)
    for _ in range(20):  # warm both up
        client.inspect(short)
        client.inspect(long)
    times: dict[UUID, list[float]] = {short: [], long: []}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for target in (short, long):
            t0 = time.perf_counter()
            client.inspect(target)
            times[target].append(time.perf_counter() - t0)
    return statistics.fmean(times[short]) * 1000, statistics.fmean(times[long]) * 1000


def cold_loads(settings: Settings, short: UUID, long: UUID) -> tuple[float, float]:
    """Milliseconds to load each enterprise in a ledger that has never seen it (median of 5)."""
    out: dict[UUID, list[float]] = {short: [], long: []}
    for _ in range(5):
        for target in (short, long):
            ledger = build_ledger(settings)
            t0 = time.perf_counter()
            ledger.repository.get(target)
            out[target].append(time.perf_counter() - t0)
            ledger.close()
    return statistics.median(out[short]) * 1000, statistics.median(out[long]) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to use (in a fresh schema)")
    parser.add_argument("--store", choices=("postgres", "sqlite", "both"), default=None,
                        help="default: postgres with --database-url, both without")
    parser.add_argument("--scale", default="medium",
                        help="tiny | small | medium | large | province: seconds measured per mode (others: medium)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", type=int, default=None, help=argparse.SUPPRESS)  # the old option, ignored
    args = parser.parse_args(argv)
    store = args.store or ("postgres" if args.database_url else "both")
    stores = ["postgres", "sqlite"] if store == "both" else [store]
    saved = []
    for name in stores:
        folder = Path(tempfile.mkdtemp(prefix=f"zhijian-bench-{name}-"))
        if name == "postgres":
            with postgres_url(args.database_url) as (url, pid):
                settings = Settings(database_url=url, data_dir=folder)
                results = bench_store(name, settings, folder, args.scale, args.threads, args.workers, pid)
        else:
            settings = Settings(database_url=None, data_dir=folder)
            results = bench_store(name, settings, folder, args.scale, args.threads, args.workers)
        saved.append(results.save())
    for path in saved:
        print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
