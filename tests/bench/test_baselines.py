"""The benchmarks' baselines (bench/baselines.py) run beside a ledger's log on the same store and leave it as
it was: `make bench` measures them after generating a campaign year into the same database."""

from __future__ import annotations

from datetime import date

from application.audit.service import audit_over
from application.bootstrap import build_ledger
from application.settings import Settings
from bench.baselines import raw_batched_save_rate, raw_read_and_decode
from domain.actor import SYSTEM

TODAY = date(2026, 10, 1)


def test_the_library_baselines_run_beside_a_ledger_and_leave_its_log_verified(settings: Settings) -> None:
    ledger = build_ledger(settings)
    try:
        for name in ("李明", "王芳", "张伟"):
            ledger.appoint_official(by=SYSTEM, today=TODAY, name=name, unit="食品监管办", role="supervisor")
        before = ledger.recorder.max_notification_id()
    finally:
        ledger.close()
    assert raw_batched_save_rate(settings, events=300, batch=100) > 0
    events, _ = raw_read_and_decode(settings)
    ledger = build_ledger(settings)
    try:
        assert ledger.recorder.max_notification_id() == before == events  # the bare events went elsewhere
        report = audit_over(ledger.leaves, settings).verify()
        assert report.ok and report.checked == report.size == events  # and no leaf of theirs is in the ledger's
    finally:
        ledger.close()
