"""`make bench`: every benchmark in one run, on a PostgreSQL server of its own, then one summary table.

    python -m bench.run [--scale city|province|tiny] [--seed N] [--year Y] [--profile]

Steps, each saving `bench/results/<name>-<scale>-postgres.json`:
0. the census import in a database of its own, first, on the idle server (bench/census.py);
1. generate the scale into a fresh database (bench/generate.py);
2. rebuild each view from the whole log with `zhijian rebuild` (this also brings the
   views up to date) against the raw read-and-decode rate (bench/projections.py);
3. start `zhijian project`, then the API (`zhijian serve`, with `--workers` when that
   option exists), appoint a unit-wide supervisor with the CLI;
4. read the reports over HTTP against the HTTP floor (bench/reports.py);
5. a burst of inspections over HTTP while the worker projects, and the time until the
   views are at lag 0 (bench/projections.py);
6. `python -m bench.commands` (another developer's), in a database of its own, its output kept.
With `--profile` (BENCH_PROFILE=1) py-spy records the API during steps 4 and 5 into
`bench/results/profiles/*.svg`. Nothing asserts a timing: figures are printed and saved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from uuid import UUID

from application.bootstrap import build_ledger
from application.settings import Settings
from bench.figures import RESULTS, Figure, Results, print_figures
from bench.generate import DEFAULT_YEAR, generate, print_manifest
from bench.province import SCALES
from domain.bureau_time import bureau_today

STORE = "postgres"
PROFILES = RESULTS / "profiles"
LOGS = RESULTS / "logs"


def step(title: str) -> None:
    print(f"\n== {title} ({time.strftime('%H:%M:%S')})", flush=True)


@contextmanager
def profiling(pid: int, name: str, enabled: bool) -> Iterator[None]:
    """py-spy records the process (and its workers) while the block runs; an svg flame graph after."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not enabled or not Path(spy).exists():
        if enabled:
            print("  (py-spy not installed: no profile; `make bench BENCH_PROFILE=1` installs it)")
        yield
        return
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"{name}.svg"
    recorder = subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--rate", "50",
                                 "--output", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        try:
            _, err = recorder.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
            _, err = recorder.communicate()
        print(f"  profile: {out}" if out.exists()
              else f"  py-spy wrote no profile: {err.decode(errors='replace')[-300:]}")


def generate_step(url: str, scale: str, seed: int, year: int) -> tuple[dict, list, Results]:
    from bench.baselines import raw_batched_save_rate

    settings = Settings(database_url=url)
    ledger = build_ledger(settings)
    try:
        generated = generate(ledger, scale, seed, year, store=STORE,
                             progress=lambda done, total: print(f"\r  {done:,}/{total:,} acts", end="", flush=True))
    finally:
        ledger.close()
    print()
    manifest = generated.manifest
    print_manifest(manifest)
    (RESULTS / f"manifest-{scale}-{STORE}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                                           encoding="utf-8")
    results = Results("generate", scale, STORE, context={"seed": seed, "events": manifest["events"],
                                                        "digest": manifest["digest"],
                                                        "plan_seconds": manifest["seconds"]["plan"]})
    baseline = raw_batched_save_rate(settings, events=20_000, batch=1000)
    rate = manifest["events_per_second"]
    results.add(Figure(f"generate {scale}: events/s (planning excluded)", rate, "/s",
                       "library raw save of bare aggregates, 1000 per transaction", baseline,
                       target=">= 10,000 /s", met=rate >= 10_000,
                       notes=f"{manifest['events']:,} events in {manifest['seconds']['record']} s; "
                             f"planning {manifest['seconds']['plan']} s"))
    results.save()
    return manifest, generated.enterprise_ids, results


def commands_step(url: str) -> str:
    """Runs bench/commands.py (owned by another developer) as it is; returns its output."""
    try:
        out = subprocess.run([sys.executable, "-m", "bench.commands", "--database-url", url], capture_output=True,
                             text=True, timeout=1200, cwd=Path(__file__).resolve().parent.parent)
        return (out.stdout + (f"\n(exit {out.returncode}) {out.stderr[-1500:]}" if out.returncode else "")).strip()
    except subprocess.TimeoutExpired:
        return "bench.commands did not finish within 20 minutes"


def generated_enterprises(url: str) -> list[UUID]:
    """The enterprises registered in a database generated before (from the status view)."""
    import psycopg

    with psycopg.connect(url) as conn:
        return [UUID(r[0]) for r in conn.execute("SELECT enterprise_id FROM view_enterprises ORDER BY enterprise_id")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="zhijian benchmarks on a PostgreSQL server of their own")
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE") or "city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=DEFAULT_YEAR)
    parser.add_argument("--workers", type=int, default=2, help="API workers, if `zhijian serve --workers` exists")
    parser.add_argument("--burst", type=int, default=10_000, help="inspections in the keeping-up burst")
    parser.add_argument("--census-rows", type=int, default=50_000)
    parser.add_argument("--report-budget", type=float, default=90, help="seconds per report endpoint at most")
    parser.add_argument("--profile", action="store_true", default=bool(os.environ.get("BENCH_PROFILE")))
    parser.add_argument("--database-url", default="",
                        help="a database this scale was generated into before (and its views built): skip steps 1-2 "
                             "and measure it again, e.g. after a change to the read side")
    parser.add_argument("--only", default="",
                        help="comma-separated steps: generate,rebuild,reports,burst,census,commands")
    args = parser.parse_args(argv)
    only = set(filter(None, args.only.split(","))) or {"generate", "rebuild", "reports", "burst", "census", "commands"}
    scale = args.scale

    from bench.census import measure_census
    from bench.projections import measure_keeping_up, measure_rebuild
    from bench.reports import measure_reports
    from bench.server import appoint_supervisor, postgres, start_api, start_worker

    all_results: list[Results] = []
    commands_output = ""
    started = time.perf_counter()
    LOGS.mkdir(parents=True, exist_ok=True)
    with postgres() as server:
        print(f"PostgreSQL: {server.version} on 127.0.0.1:{server.port} (run as {server._as_user or 'this user'}; "
              "fsync off, as in the tests)")
        if "census" in only:
            # First, on an idle server. Run after the generation (and after the other steps) the import measured
            # 4,605-4,647 rows/s, first 6,021-6,091 (2026-11-30, province). Not Python's collector (6,747 rows/s in
            # a process holding 3 million objects) and no autovacuum worker was seen at work after the
            # generation; the server had just loaded ~930,000 events through its buffers. Cause not pinned down.
            step(f"0. census import of {args.census_rows:,} rows")
            all_results.append(measure_census(Settings(database_url=server.create_database("census")), scale, STORE,
                                              rows=args.census_rows, seed=args.seed, year=args.year))
        if not only & {"generate", "rebuild", "reports", "burst"}:
            pass  # the census and the commands need no generated scale
        elif args.database_url:
            url = args.database_url
            manifest = json.loads((RESULTS / f"manifest-{scale}-{STORE}.json").read_text(encoding="utf-8"))
            enterprise_ids = generated_enterprises(url)
            print(f"  measuring {url} again (generated before: {manifest['events']:,} events)")
        else:
            url = server.create_database("bench")
            step(f"1. generate {scale}")
            manifest, enterprise_ids, results = generate_step(url, scale, args.seed, args.year)
            all_results.append(results)
        if not args.database_url and ("rebuild" in only or "reports" in only or "burst" in only):
            step("2. rebuild the views from the whole log")
            all_results.append(measure_rebuild(Settings(database_url=url), url, scale, STORE))
        if "reports" in only or "burst" in only:
            start_day, end_day = (date.fromisoformat(manifest["simulated_year"][k]) for k in ("start", "end"))
            step("3. projection worker, API, a token")
            worker = start_worker(url, LOGS)
            api = None
            try:
                time.sleep(2)  # the worker takes the views' locks first; the API's own runners then stand by
                token = appoint_supervisor(url)
                api = start_api(url, LOGS, workers=args.workers)
                print(f"  API {api.url} (pid {api.process.pid}, {api.workers} worker(s)), worker pid {worker.pid}")
                if "reports" in only:
                    step("4. reports over HTTP")
                    with profiling(api.process.pid, f"reports-{scale}", args.profile):
                        all_results.append(measure_reports(api, token, start_day, end_day, scale, STORE,
                                                           budget=args.report_budget, timeout=args.report_budget,
                                                           database_url=url))
                if "burst" in only:
                    step(f"5. a burst of {args.burst:,} inspections while `zhijian project` runs")
                    with profiling(api.process.pid, f"burst-{scale}", args.profile):
                        all_results.append(measure_keeping_up(api, token, enterprise_ids, scale, STORE,
                                                              today=bureau_today(), commands=args.burst))
            finally:
                if api is not None:
                    api.stop()
                worker.stop()
        if "commands" in only:
            step("6. bench.commands (HTTP-free command rates against the bare library)")
            commands_output = commands_step(server.create_database("commands"))
            print(commands_output)
    step(f"summary: {scale} on PostgreSQL, {time.perf_counter() - started:.0f} s in all")
    print_figures([f for r in all_results for f in r.figures])
    if commands_output:
        print("\nbench.commands:\n" + commands_output)
    summary = {"scale": scale, "store": STORE, "seconds": round(time.perf_counter() - started),
               "results": [f"{r.name}-{r.scale}-{r.store}.json" for r in all_results],
               "commands_output": commands_output}
    (RESULTS / f"run-{scale}-{STORE}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                                      encoding="utf-8")


if __name__ == "__main__":
    main()
