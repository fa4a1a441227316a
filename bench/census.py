"""Census import: 50,000 generated rows through `CensusImport`, against the library's raw batched save.

Runs in a database of its own, so the figures do not depend on what else is stored.
Baseline: the library saving bare one-event aggregates, as many per transaction as one
import batch saves (a row is an enterprise, its row index and, when it has a credit
code, its code index: 2-3 aggregates), measured in the same database in the same run.
"""

from __future__ import annotations

import time

from application.bootstrap import build_ledger
from application.census import CensusImport
from application.settings import Settings
from bench.baselines import raw_batched_save_rate
from bench.figures import Figure, Results
from bench.province import census_rows
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today


def measure_census(settings: Settings, scale: str, store: str, *, rows: int = 50_000, seed: int = 1,
                   year: int = 2025, batch_rows: int = 1000) -> Results:
    results = Results("census", scale, store, context={"rows": rows, "batch_rows": batch_rows})
    listing = census_rows(rows, seed, year)
    per_row = sum(3 if r["credit_code"] else 2 for r in listing) / rows
    bare_batch = round(batch_rows * per_row)
    baseline = raw_batched_save_rate(settings, events=min(rows * 2, 100_000), batch=bare_batch)
    ledger = build_ledger(settings)
    try:
        started = time.perf_counter()
        report = CensusImport(ledger, actor=SYSTEM, today=bureau_today(), batch_size=batch_rows).run(
            (i + 2, row) for i, row in enumerate(listing))
        seconds = time.perf_counter() - started
    finally:
        ledger.close()
    rate = report.registered / seconds
    results.context.update({"registered": report.registered, "bad_rows": report.bad_rows,
                            "aggregates_per_row": round(per_row, 2)})
    results.add(Figure(f"census import of {rows:,} rows: rows/s", rate, "/s",
                       f"library raw save of bare aggregates, {bare_batch} per transaction (aggregates/s)", baseline,
                       target=">= 5,000 rows/s", met=rate >= 5000,
                       notes=f"{report.registered:,} registered, {report.bad_rows} bad rows, {seconds:.1f} s; "
                             f"a row saves {per_row:.2f} aggregates"))
    results.save()
    return results
