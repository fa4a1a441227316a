"""San Francisco's real inspection records replayed through the ledger (a slice, both stores)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from domain.actor import SYSTEM
from seeding.sf_replay import read_businesses, replay

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "sf-food-inspections"  # vendored slice, BSD-2-Clause
SLICE = 40


def expected_counts(business_ids: set[str]) -> tuple[int, int, int]:
    """Inspections, orders and verifications of these businesses, counted straight from the CSVs."""
    with (DATA / "inspections.csv").open(encoding="latin-1") as f:
        visits = {(r["business_id"], r["date"]) for r in csv.DictReader(f) if r["business_id"] in business_ids}
    groups: set[tuple[str, str, str]] = set()
    verified = 0
    with (DATA / "violations.csv").open(encoding="latin-1") as f:
        for r in csv.DictReader(f):
            m = re.search(r"corrected: (\d+)/(\d+)/(\d{4})", r["description"])
            if (r["business_id"], r["date"]) in visits and m:
                groups.add((r["business_id"], r["date"], f"{m[3]}{int(m[1]):02d}{int(m[2]):02d}"))
    verified = sum(1 for _, inspected, corrected in groups if corrected >= inspected)
    return len(visits), len(groups), verified


def test_a_slice_of_the_real_records_replays_with_every_inspection_and_correction(ledger):
    businesses = read_businesses(DATA, limit=SLICE)
    chief = ledger.authenticate(ledger.appoint_official(
        by=SYSTEM, today=date(2026, 10, 1), name="旧金山数据回放", unit="数据回放", role="supervisor").token)
    counts, ids = replay(ledger, chief, businesses, today=date(2026, 10, 1))

    inspections, orders, verifications = expected_counts({b.business_id for b in businesses})
    assert (counts.enterprises, counts.inspections, counts.orders, counts.verifications) == (
        SLICE, inspections, orders, verifications)
    assert orders > 0 and verifications > 0

    first = businesses[0]
    history = ledger.history(ids[first.business_id])
    assert history[0].type == "Registered" and history[0].payload["name"] == first.name
    assert history[0].occurred_on == min(v.on for v in first.visits)
    assert sum(1 for h in history if h.type == "Inspected") == len(first.visits)
    # entered two days after the act, in order of entry
    assert all((h.recorded_at.date() - h.occurred_on).days == 2 for h in history)
    assert [h.recorded_at for h in history] == sorted(h.recorded_at for h in history)
