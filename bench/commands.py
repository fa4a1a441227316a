"""Command throughput of the ledger, as ratios against the bare library measured in the same run.

    python -m bench.commands [--events N] [--database-url postgresql://...]

Baseline: the eventsourcing library saving one trivial event per command (get + save)
on a bare aggregate, in the same store. Measured: the ledger's `inspect` (get, check
role/towns, rules, save) on enterprises of growing history, the census import
(batched), and decoding the log. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from application.bootstrap import build_ledger
from application.census import CensusImport
from application.settings import Settings
from domain.actor import SYSTEM

TODAY = date(2026, 11, 1)


class Counter(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.n = 0

    @event("Incremented")
    def increment(self) -> None:
        self.n += 1


class Bare(Application):
    name = "BenchBare"


def timed(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    n = args.events
    folder = Path(tempfile.mkdtemp(prefix="zhijian-bench-"))
    settings = Settings(database_url=args.database_url, data_dir=folder)
    env = settings.eventsourcing_env()
    if not settings.is_postgres:
        env["SQLITE_DBNAME"] = str(folder / "bare.sqlite3")

    bare = Bare(env)
    counters = [Counter() for _ in range(20)]  # as many aggregates as the ledger run uses
    bare.save(*counters)

    def bare_command(i: int) -> None:
        c = bare.repository.get(counters[i % len(counters)].id)
        c.increment()
        bare.save(c)

    baseline = timed(bare_command, n)

    ledger = build_ledger(settings)
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                       role="supervisor").token)
    enterprises = [
        ledger.register_enterprise(by=chief, today=TODAY, occurred_on=date(2026, 8, 5), name=f"企业{i}",
                                   town="石桥镇", area="rural", kind="small_workshop").enterprise_id
        for i in range(20)
    ]

    def inspect(i: int) -> None:
        ledger.inspect(enterprises[i % len(enterprises)], by=chief, today=TODAY, occurred_on=date(2026, 9, 1),
                       outcome="compliant")

    ledger_rate = timed(inspect, n)

    rows = [(i + 2, {"name": f"普查企业{i}", "town": "河口镇", "area": "rural", "kind": "sales_point",
                     "occurred_on": "2026-08-10"}) for i in range(n)]
    start = time.perf_counter()
    CensusImport(ledger, actor=SYSTEM, today=TODAY).run(iter(rows))
    import_rate = n / (time.perf_counter() - start)

    start = time.perf_counter()
    decoded = sum(1 for _ in ledger.events.get(enterprises[0]))
    for _ in range(4):
        decoded += sum(1 for _ in ledger.events.get(enterprises[0]))
    read_rate = decoded / (time.perf_counter() - start)

    store = "PostgreSQL" if settings.is_postgres else "SQLite"
    print(f"store: {store}; {n} commands each")
    print(f"baseline (bare library get+save): {baseline:,.0f} commands/s = 1.00")
    print(f"ledger inspect (rules, roles, ~{n // 20 + 1} events/enterprise at the end): "
          f"{ledger_rate:,.0f}/s = {ledger_rate / baseline:.2f} x baseline")
    print(f"census import (batched): {import_rate:,.0f} rows/s = {import_rate / baseline:.2f} x baseline")
    print(f"reading one enterprise's history: {read_rate:,.0f} events/s")
    ledger.close()
    bare.close()


if __name__ == "__main__":
    main()
