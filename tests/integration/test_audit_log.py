"""The log proves itself, on each store: leaves with every event, verify, checkpoints, proofs, tampering named.

Each tampering below is done as a superuser would (triggers out of the way, raw SQL):
verify names the event (position, enterprise, version, reason), a checkpoint signed
before no longer verifies, the inclusion proof of an untouched event still does, and the
enterprise's history answers LogIntegrityError instead of the forged record or a crash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from application.audit.checkpoints import Checkpoint, SigningKey
from application.audit.leaves import event_leaf
from application.audit.service import Audit, audit_over, build_audit
from application.bootstrap import build_ledger
from application.commands import Inspect, Register
from domain import errors
from domain.actor import SYSTEM
from domain.merkle import leaf_hash, verify_consistency, verify_inclusion
from tests.integration.tampering import Tamperer

TODAY = date(2026, 10, 1)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def audit(ledger, settings) -> Audit:
    return build_audit(ledger, settings)


def seed(ledger, enterprises: int = 3, inspections: int = 3) -> list:
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                        role="supervisor").token)
    ids = []
    for i in range(enterprises):
        ids.append(ledger.register(Register(occurred_on=date(2026, 8, 1), name=f"豆腐坊{i}", town="石桥镇",
                                            area="rural",
                                            kind="small_workshop"), by=chief, today=TODAY).enterprise_id)
    for _ in range(inspections):
        for eid in ids:
            ledger.record(eid, Inspect(occurred_on=date(2026, 9, 1), outcome="compliant"), by=chief, today=TODAY)
    return ids


def test_every_event_gets_its_leaf_in_log_order_numbered_without_gaps(ledger, audit):
    seed(ledger)
    with ledger.leaves.reading() as reader:
        events, leaves = list(reader.events()), list(reader.leaves())
    assert [lf.position for lf in leaves] == [e.position for e in events]
    assert [lf.leaf_index for lf in leaves] == list(range(len(events)))
    for e, lf in zip(events, leaves, strict=True):
        assert lf.leaf == event_leaf(e.position, e.originator_id, e.version, e.topic, e.state)
        assert (lf.originator_id, lf.version) == (e.originator_id, e.version)


def test_the_leaf_hash_is_the_documented_encoding():
    from uuid import UUID

    oid = UUID("6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10")
    data = (b"ZJE1" + (7).to_bytes(8, "big") + oid.bytes + (2).to_bytes(8, "big") + (3).to_bytes(4, "big") + b"m:C"
            + (2).to_bytes(4, "big") + b"{}")
    assert event_leaf(7, oid, 2, "m:C", b"{}") == leaf_hash(data)


def test_an_untouched_log_verifies_and_extends_its_checkpoint(ledger, audit):
    seed(ledger)
    report = audit.verify()
    assert report.ok and report.first_break is None and report.checked == report.size > 0
    cp = audit.checkpoint()
    assert audit.key.signed(cp) and cp.size == report.size and cp.root_hash == report.root.hex()
    seed(ledger, enterprises=1)
    check = audit.check_checkpoint(cp)
    assert check.ok and check.size_now > cp.size


def test_a_checkpoint_with_a_changed_root_or_signature_does_not_verify(ledger, audit):
    seed(ledger)
    cp = audit.checkpoint()
    other_root = Checkpoint(cp.size, "00" * 32, cp.signed_at, cp.signature, cp.key_id)
    assert not audit.key.signed(other_root)
    forged = audit.key.sign(cp.size, bytes(32), cp.signed_at)  # signed, but not this log's tree
    check = audit.check_checkpoint(forged)
    assert check.signed and not check.extends and not check.ok


def test_a_checkpoint_signed_with_another_key_is_refused(ledger, audit, tmp_path):
    seed(ledger)
    stranger = SigningKey.from_file(tmp_path / "other.pem")
    cp = audit.checkpoint()
    theirs = stranger.sign(cp.size, bytes.fromhex(cp.root_hash), cp.signed_at)
    assert not audit.check_checkpoint(theirs).signed


def test_the_signing_key_is_made_once_with_mode_0600(settings, ledger, audit):
    import stat

    first = audit.key.key_id
    path = settings.audit_key_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.from_file(path).key_id == first


def test_inclusion_and_consistency_proofs_verify_against_the_roots(ledger, audit):
    seed(ledger)
    old = audit.checkpoint()
    seed(ledger, enterprises=2)
    with ledger.leaves.reading() as reader:
        leaves = list(reader.leaves())
    for lf in (leaves[0], leaves[old.size - 1], leaves[-1]):
        p = audit.inclusion(lf.position)
        assert p.leaf_hash == lf.leaf and verify_inclusion(p.leaf_hash, p.leaf_index, p.tree_size, p.audit_path,
                                                           p.root_hash)
    in_old = audit.inclusion(leaves[1].position, size=old.size)
    assert verify_inclusion(in_old.leaf_hash, in_old.leaf_index, old.size, in_old.audit_path,
                            bytes.fromhex(old.root_hash))
    c = audit.consistency(old.size)
    assert c.first_root.hex() == old.root_hash
    assert verify_consistency(c.first, c.second, bytes.fromhex(old.root_hash), c.second_root, c.proof)
    with pytest.raises(errors.NotFound):
        audit.inclusion(10**9)
    with pytest.raises(errors.InvalidValue):
        audit.consistency(c.second + 1)
    with pytest.raises(errors.InvalidValue):
        audit.inclusion(leaves[-1].position, size=old.size)


def test_proofs_and_checkpoints_from_kept_subtrees_equal_those_read_from_every_leaf(ledger, audit, settings):
    """An audit keeping subtrees of 2 leaves and more (a province's 1,024, made small) answers as one that reads
    every leaf, as the log grows between questions, on each store."""
    keeping = audit_over(ledger.leaves, settings, block=2)
    for grow in (1, 2, 1):
        seed(ledger, enterprises=grow)
        with ledger.leaves.reading() as reader:
            size, positions = reader.size(), [lf.position for lf in reader.leaves()]
        assert keeping.checkpoint(NOW) == audit.checkpoint(NOW)  # Ed25519 signs deterministically
        for position in positions[:: max(1, len(positions) // 7)]:
            assert keeping.inclusion(position) == audit.inclusion(position)
        for first in range(0, size + 1, max(1, size // 5)):
            assert keeping.consistency(first) == audit.consistency(first)
    assert len(keeping.subtrees) > 0  # it did keep some


def test_history_carries_each_events_leaf_hash(ledger, audit):
    eid = seed(ledger)[0]
    page = ledger.history(eid)
    with ledger.leaves.reading() as reader:
        by_position = {lf.position: lf.leaf.hex() for lf in reader.leaves()}
    assert [h.leaf_hash for h in page] == [by_position[h.position] for h in page]
    p = audit.inclusion(page[1].position)
    assert verify_inclusion(bytes.fromhex(page[1].leaf_hash), p.leaf_index, p.tree_size, p.audit_path, p.root_hash)


def test_a_store_kept_before_leaves_is_back_filled_once_at_start(settings):
    ledger = build_ledger(settings)
    seed(ledger)
    with ledger.leaves.reading() as reader:
        before = [lf.leaf for lf in reader.leaves()]
    ledger.close()
    t = Tamperer(settings)
    with t._conn() as conn:
        conn.execute("DELETE FROM zhijian_event_leaves")  # as a store written before leaves existed
    again = build_ledger(settings)
    try:
        with again.leaves.reading() as reader:
            assert [lf.leaf for lf in reader.leaves()] == before
        assert again.leaves.backfill() == 0  # idempotent: nothing more to fill
        assert build_audit(again, settings).verify().ok
    finally:
        again.close()


def test_an_event_without_a_leaf_is_never_back_filled(settings):
    ledger = build_ledger(settings)
    eid = seed(ledger)[0]
    t = Tamperer(settings)
    oid, version, topic, state = t.row(t.position_of(eid, 2))
    ledger.close()
    forged_at = t.insert_forged(eid, 5, topic, state.replace(b'"compliant"', b'"violation"'))
    again = build_ledger(settings)  # a restart must not launder the forged row
    try:
        first = build_audit(again, settings).verify().first_break
        assert (first.position, first.enterprise_id, first.version, first.reason) == (forged_at, eid, 5, "inserted")
    finally:
        again.close()


# -- tampering ------------------------------------------------------------------------------


def _tampered_setup(ledger, audit, settings):
    ids = seed(ledger)
    cp = audit.checkpoint()
    t = Tamperer(settings)
    untouched = t.position_of(ids[2], 1)
    return ids, cp, t, untouched


def _after(audit, cp, untouched, *, extends: bool = False):
    check = audit.check_checkpoint(cp)
    assert check.signed and not check.ok and check.extends is extends
    p = audit.inclusion(untouched, size=cp.size)  # an untouched event's proof still holds against the checkpoint
    assert verify_inclusion(p.leaf_hash, p.leaf_index, cp.size, p.audit_path, bytes.fromhex(cp.root_hash))
    return check.report


def test_one_changed_byte_is_named_altered(ledger, audit, settings):
    ids, cp, t, untouched = _tampered_setup(ledger, audit, settings)
    at = t.position_of(ids[0], 3)
    t.alter_one_byte(at, b"compliant", b"compliaNt")
    report = _after(audit, cp, untouched)
    assert [(b.position, b.enterprise_id, b.version, b.reason) for b in report.breaks] == [(at, ids[0], 3, "altered")]
    with pytest.raises(errors.LogIntegrityError, match="altered"):
        ledger.history(ids[0])
    assert len(ledger.history(ids[1])) == 4  # the others still read


def test_a_deleted_event_is_named_missing(ledger, audit, settings):
    ids, cp, t, untouched = _tampered_setup(ledger, audit, settings)
    at = t.position_of(ids[0], 2)
    t.delete(at)
    report = _after(audit, cp, untouched)
    assert (report.first_break.position, report.first_break.enterprise_id, report.first_break.version,
            report.first_break.reason) == (at, ids[0], 2, "missing")
    with pytest.raises(errors.LogIntegrityError, match="missing"):
        ledger.history(ids[0])


def test_a_forged_event_is_named_inserted(ledger, audit, settings):
    ids, cp, t, untouched = _tampered_setup(ledger, audit, settings)
    _, _, topic, state = t.row(t.position_of(ids[0], 2))
    at = t.insert_forged(ids[0], 5, topic, state.replace(b'"compliant"', b'"violation"'))
    report = _after(audit, cp, untouched, extends=True)  # appended after the checkpoint: its prefix still holds
    assert [(b.position, b.enterprise_id, b.version, b.reason) for b in report.breaks] == [(at, ids[0], 5, "inserted")]
    with pytest.raises(errors.LogIntegrityError, match="inserted"):
        ledger.history(ids[0])


def test_two_swapped_events_are_named_out_of_order(ledger, audit, settings):
    ids, cp, t, untouched = _tampered_setup(ledger, audit, settings)
    a, b = t.position_of(ids[0], 2), t.position_of(ids[1], 2)
    t.swap(a, b)
    report = _after(audit, cp, untouched)
    assert [(x.position, x.enterprise_id, x.version, x.reason) for x in report.breaks] == [
        (a, ids[1], 2, "out_of_order"), (b, ids[0], 2, "out_of_order")]
    with pytest.raises(errors.LogIntegrityError, match="out_of_order"):
        ledger.history(ids[0])


def test_a_range_verifies_only_its_positions(ledger, audit, settings):
    ids = seed(ledger)
    t = Tamperer(settings)
    at = t.position_of(ids[0], 3)
    t.alter_one_byte(at, b"compliant", b"compliaNt")
    assert audit.verify(at + 1).ok
    assert not audit.verify(0, at).ok and audit.verify(0, at - 1).ok


def test_checkpoints_are_recorded_when_the_log_has_grown(ledger, audit):
    seed(ledger, enterprises=1, inspections=0)
    first = audit.record_checkpoint()
    assert first is not None and audit.latest_recorded() == first and audit.key.signed(first)
    assert audit.record_checkpoint() is None  # nothing new since
    seed(ledger, enterprises=1, inspections=0)
    second = audit.record_checkpoint()
    assert second is not None and second.size > first.size and audit.check_checkpoint(first).ok


def test_the_checkpoint_timer_records_one_in_the_background(ledger, audit):
    import time

    from application.audit.service import CheckpointTimer

    seed(ledger, enterprises=1, inspections=0)
    timer = CheckpointTimer(audit, minutes=0.001).start()
    try:
        for _ in range(200):  # waits for it, asserts nothing about how long it took
            if audit.latest_recorded() is not None:
                break
            time.sleep(0.05)
    finally:
        timer.stop()
    recorded = audit.latest_recorded()
    assert recorded is not None and audit.check_checkpoint(recorded).ok


def test_a_command_on_an_enterprise_with_a_deleted_event_is_a_log_integrity_error(settings):
    ledger = build_ledger(settings.model_copy(update={"snapshot_interval": 0}))
    eid = seed(ledger)[0]
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="食品监管办",
                                                        role="supervisor").token)
    ledger.close()
    t = Tamperer(settings)
    t.delete(t.position_of(eid, 2))
    fresh = build_ledger(settings.model_copy(update={"snapshot_interval": 0}))  # nothing cached
    try:
        with pytest.raises(errors.LogIntegrityError, match="do not follow on"):
            fresh.record(eid, Inspect(occurred_on=date(2026, 9, 1), outcome="compliant"), by=chief, today=TODAY)
    finally:
        fresh.close()
