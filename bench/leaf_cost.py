"""What writing each event's leaf hash costs a command: same process, same store kind, alternating.

    python -m bench.leaf_cost [--store sqlite|postgres] [--rounds 10] [--commands 300]

Two ledgers side by side, one with the leaf-recording recorder (application/audit/recorders.py)
and one whose recorder writes no leaves, take turns recording `Inspect` on their own 50
enterprises from one thread; prints the median CPU (this process) and wall time per command
of each and their ratio; then the same for batched saves of 100 new enterprises (the census
import's path). PostgreSQL: a server of its own (tests/pg_server.py), whose CPU is not
counted here. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.audit.recorders import LeafRecordingPostgresRecorder, LeafRecordingSQLiteRecorder
from application.commands import Inspect
from application.ledger import Ledger
from application.recorder_postgres import LedgerRecorder
from application.settings import Settings
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from domain.enterprise import Enterprise

DAY = date(2026, 10, 1)


class NoLeavesSQLite(LeafRecordingSQLiteRecorder):
    def _insert_events(self, c: Any, stored_events: Any, **kwargs: Any) -> Any:
        return SQLiteApplicationRecorder._insert_events(self, c, stored_events, **kwargs)


class NoLeavesPostgres(LeafRecordingPostgresRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.insert_events_statement = LedgerRecorder(datastore, **kwargs).insert_events_statement


def ledger(database_url: str | None, leaves: bool) -> tuple[Ledger, Any, list[Any]]:
    env = Settings(database_url=database_url, data_dir=Path(tempfile.mkdtemp())).eventsourcing_env()
    if not leaves:
        bare = "NoLeavesPostgres" if database_url else "NoLeavesSQLite"
        env["APPLICATION_RECORDER_TOPIC"] = f"bench.leaf_cost:{bare}"
    led = Ledger(env)
    chief = led.authenticate(led.appoint_official(by=SYSTEM, today=DAY, name="李明", unit="食品监管办",
                                                  role="supervisor").token)
    ids = []
    for i in range(50):
        e = Enterprise.register(actor=chief.as_actor, today=bureau_today(), occurred_on=DAY, name=f"企业{i}",
                                town="石桥镇", area="rural", kind="small_workshop")
        led.save(e)
        ids.append(e.id)
    return led, chief, ids


def measure(database_urls: dict[bool, str | None], rounds: int, commands: int) -> None:
    """`database_urls`: a store for each ledger (without, with leaves); None for SQLite."""
    runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    ledgers = {w: ledger(database_urls[w], w) for w in (False, True)}
    for _ in range(rounds + 1):  # the first round warms up
        for w in (False, True):
            led, chief, ids = ledgers[w]
            c0, t0 = time.process_time(), time.perf_counter()
            for n in range(commands):
                led.record(ids[n % len(ids)], Inspect(occurred_on=DAY, outcome="compliant"), by=chief,
                           today=bureau_today())
            runs[w].append(((time.process_time() - c0) / commands * 1e3, (time.perf_counter() - t0) / commands * 1e3))
    cpu = {w: statistics.median(x[0] for x in runs[w][1:]) for w in runs}
    wall = {w: statistics.median(x[1] for x in runs[w][1:]) for w in runs}
    store = "postgres" if database_urls[True] else "sqlite"
    print(f"{store}: without leaves {cpu[False]:.2f} ms CPU, {wall[False]:.2f} ms wall per command; with leaves "
          f"{cpu[True]:.2f} ms CPU ({cpu[True] / cpu[False]:.2f}x), {wall[True]:.2f} ms wall "
          f"({wall[True] / wall[False]:.2f}x)")
    batched: dict[bool, list[float]] = {False: [], True: []}
    for r in range(rounds + 1):  # batches of 100 new enterprises in one save, as the census import does
        for w in (False, True):
            led, chief, _ = ledgers[w]
            batch = [Enterprise.register(actor=chief.as_actor, today=bureau_today(), occurred_on=DAY,
                                         name=f"批量{r}-{i}", town="石桥镇", area="rural", kind="small_workshop")
                     for i in range(100)]
            t0 = time.perf_counter()
            led.save(*batch)
            batched[w].append((time.perf_counter() - t0) / len(batch) * 1e3)
    per = {w: statistics.median(batched[w][1:]) for w in batched}
    print(f"{store}: batched saves of 100 events, without leaves {per[False]:.3f} ms, with {per[True]:.3f} ms "
          f"wall per event ({per[True] / per[False]:.2f}x)")
    for led, _, _ in ledgers.values():
        led.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--commands", type=int, default=300)
    args = parser.parse_args()
    if args.store == "sqlite":
        measure({False: None, True: None}, args.rounds, args.commands)
        return
    from tests.pg_server import PostgresServer

    server = PostgresServer.start()
    try:
        measure({False: server.create_database("plain"), True: server.create_database("leaves")}, args.rounds,
                args.commands)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
