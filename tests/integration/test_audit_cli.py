"""`zhijian audit …` and `zhijian history` as real processes on each store, before and after tampering."""

from __future__ import annotations

import json
from datetime import date

from application.audit.checkpoints import Checkpoint
from application.bootstrap import build_ledger
from application.commands import Inspect, Register
from domain.actor import SYSTEM
from tests.integration.tampering import Tamperer
from tests.integration.test_cli import zhijian

TODAY = date(2026, 10, 1)


def seeded(settings):
    ledger = build_ledger(settings)
    try:
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                            role="supervisor").token)
        eid = ledger.register(Register(occurred_on=date(2026, 8, 1), name="张记豆腐坊", town="石桥镇", area="rural",
                                       kind="small_workshop"), by=chief, today=TODAY).enterprise_id
        done = ledger.record(eid, Inspect(occurred_on=date(2026, 9, 1), outcome="compliant"), by=chief, today=TODAY)
    finally:
        ledger.close()
    return eid, done.position


def test_verify_a_kept_checkpoint_then_tampering_is_named_and_the_checkpoint_fails(settings, tmp_path):
    eid, position = seeded(settings)
    kept = tmp_path / "checkpoint.json"
    made = zhijian(settings, tmp_path, "audit", "checkpoint", "-o", str(kept))
    assert made.returncode == 0, made.stderr
    cp = Checkpoint.read(kept)
    assert json.loads(made.stdout)["root_hash"] == cp.root_hash and cp.size == 5
    ok = zhijian(settings, tmp_path, "audit", "verify", "--checkpoint", str(kept))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout and "extends" in ok.stdout

    Tamperer(settings).alter_one_byte(position, b"compliant", b"compliaNt")
    broken = zhijian(settings, tmp_path, "audit", "verify", "--checkpoint", str(kept))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert f"position {position}" in broken.stdout and str(eid) in broken.stdout and "altered" in broken.stdout
    assert "does NOT extend" in broken.stdout

    history = zhijian(settings, tmp_path, "history", str(eid))
    assert history.returncode == 3 and "Traceback" not in history.stderr + history.stdout
    assert "log-integrity" in history.stdout and "altered" in history.stdout


def test_a_checkpoint_edited_by_hand_is_refused(settings, tmp_path):
    seeded(settings)
    kept = tmp_path / "checkpoint.json"
    assert zhijian(settings, tmp_path, "audit", "checkpoint", "-o", str(kept)).returncode == 0
    data = json.loads(kept.read_text())
    data["size"] -= 1
    kept.write_text(json.dumps(data))
    done = zhijian(settings, tmp_path, "audit", "verify", "--checkpoint", str(kept))
    assert done.returncode == 1 and "NOT valid" in done.stdout
