"""The province generator (bench/generate.py) at its tiny scale, on SQLite: what it claims it made is in the log."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from application.bootstrap import build_ledger
from application.settings import Settings
from bench.generate import digest_log, generate
from projections.log import LedgerLog
from projections.views import store_env

EVERY_TYPE = {
    "Official.Appointed", "Official.TokenIssued", "TokenIndex.Indexed", "CreditCodeIndex.Indexed",
    "Enterprise.Registered", "Enterprise.Inspected", "Enterprise.OrderedToRectify", "Enterprise.RectificationVerified",
    "Enterprise.Licensed", "Enterprise.LicenseReviewed", "Enterprise.SamplePassed", "Enterprise.SampleFailed",
    "Enterprise.Closed", "Enterprise.Retracted",
}


def _generate(folder: Path, seed: int) -> tuple[dict[str, Any], list[Any]]:
    settings = Settings(database_url=None, data_dir=folder)
    ledger = build_ledger(settings)
    try:
        manifest = generate(ledger, "tiny", seed, store="sqlite").manifest
    finally:
        ledger.close()
    log = LedgerLog(store_env(settings))
    try:
        events, after = [], 0
        while page := log.page(after, 1000):
            events += [e for e, _ in page]
            after = page[-1][1]
    finally:
        log.close()
    return manifest, events


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[Any]]:
    return _generate(tmp_path_factory.mktemp("tiny"), seed=7)


def test_the_log_decodes_and_holds_every_event_type(generated: tuple[dict[str, Any], list[Any]]) -> None:
    manifest, events = generated
    types = Counter(type(e).__qualname__ for e in events)
    assert EVERY_TYPE <= set(types)
    assert manifest["enterprises"] == types["Enterprise.Registered"] == 1_000


def test_the_manifest_counts_what_the_log_holds(generated: tuple[dict[str, Any], list[Any]]) -> None:
    manifest, events = generated
    assert manifest["events"] == len(events)
    assert manifest["events_by_type"] == dict(Counter(type(e).__qualname__ for e in events))
    assert manifest["digest"] == digest_log(events)


def test_the_same_seed_gives_the_same_content(generated: tuple[dict[str, Any], list[Any]], tmp_path: Path) -> None:
    manifest, events = generated
    again, events_again = _generate(tmp_path, seed=7)
    assert again["digest"] == manifest["digest"]
    assert [e.originator_id for e in events_again[:50]] != [e.originator_id for e in events[:50]]  # ids are random


def test_recorded_times_are_past_and_follow_the_log_order(generated: tuple[dict[str, Any], list[Any]]) -> None:
    _, events = generated
    now = datetime.now(UTC)
    last_of: dict[Any, datetime] = {}
    previous = None
    for e in events:
        assert e.timestamp < now
        if type(e).__qualname__ == "TokenIndex.Indexed":
            continue  # stamped by the library's own clock, not the simulated one
        assert previous is None or e.timestamp >= previous, "log order follows recorded time"
        previous = e.timestamp
        assert e.timestamp >= last_of.get(e.originator_id, e.timestamp)
        last_of[e.originator_id] = e.timestamp
