"""Loading without replaying: snapshots that round-trip exactly, and a cache that never goes stale (both stores)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError

from application.aggregate_cache import copy_aggregate
from application.bootstrap import build_ledger
from application.commands import (
    Close,
    GrantLicense,
    Inspect,
    OrderToRectify,
    RecordSample,
    Register,
    Retract,
    ReviewLicense,
    VerifyRectification,
)
from application.ledger import Ledger
from application.settings import Settings
from domain import errors
from domain.actor import SYSTEM
from domain.enterprise import Enterprise

TODAY = date(2026, 10, 1)
INTERVAL = 5


@pytest.fixture
def snapshotting(settings: Settings) -> Settings:
    return settings.model_copy(update={"snapshot_interval": INTERVAL})


@pytest.fixture
def ledger(snapshotting: Settings) -> Iterator[Ledger]:
    led = build_ledger(snapshotting)
    yield led
    led.close()


@pytest.fixture
def chief(ledger: Ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办", role="supervisor")
    return ledger.authenticate(appointed.token)


def typed(value: Any) -> Any:
    """A value with the type of everything in it spelled out: `Kind.X == "x"` but typed() tells them apart."""
    if isinstance(value, dict):
        return ("dict", sorted(((typed(k), typed(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [typed(v) for v in value]
        return (type(value).__name__, sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items)
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, [(f.name, typed(getattr(value, f.name))) for f in fields(value)])
    if isinstance(value, Enum):
        return (type(value).__qualname__, value.value)
    return (type(value).__qualname__, value)


def state(aggregate: Any) -> Any:
    return typed({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def rich_history(ledger: Ledger, chief) -> UUID:
    """An enterprise with every kind of act, retractions among them: 17 events."""
    e = ledger.register(Register(occurred_on=date(2026, 8, 5), name="张记豆腐坊", town="石桥镇", area="rural",
                                 kind="small_workshop", product_categories=["bean_products", "bean_sprouts"],
                                 credit_code="91350200776049653A"), by=chief, today=TODAY).enterprise_id
    for command in (
        Inspect(occurred_on=date(2026, 8, 9), outcome="violation", findings=["unlicensed"], notes="无证"),
        OrderToRectify(occurred_on=date(2026, 8, 9), order_no="ZG-1", deadline=date(2026, 9, 9), items=["办证"]),
        OrderToRectify(occurred_on=date(2026, 8, 10), order_no="ZG-2", deadline=date(2026, 9, 10), items=["卫生"]),
        VerifyRectification(occurred_on=date(2026, 8, 20), order_no="ZG-1", passed=False),
        VerifyRectification(occurred_on=date(2026, 8, 25), order_no="ZG-1", passed=True),
        GrantLicense(occurred_on=date(2026, 8, 26), license_type="workshop_registration", license_no="XZF-1",
                     valid_until=date(2027, 8, 26)),
        ReviewLicense(occurred_on=date(2026, 9, 1), license_no="XZF-1", year=2026),
        RecordSample(occurred_on=date(2026, 9, 2), sample_no="CJ-1", product_category="bean_products", result="pass"),
        RecordSample(occurred_on=date(2026, 9, 3), sample_no="CJ-2", product_category="bean_sprouts", result="fail",
                     failed_items=["4-氯苯氧乙酸钠"]),
        Retract(event_version=10, reason="样品编号录错"),  # version 11
        Retract(event_version=8, reason="年审录错"),  # version 12
        Inspect(occurred_on=date(2026, 9, 4), outcome="compliant"),
        GrantLicense(occurred_on=date(2026, 9, 5), license_type="workshop_registration", license_no="XZF-2",
                     valid_until=date(2027, 9, 5)),
        Close(occurred_on=date(2026, 9, 10), reason="voluntary", decision_no="关〔2026〕1号"),
        Inspect(occurred_on=date(2026, 9, 12), outcome="compliant"),
        Retract(event_version=14, reason="证号录错"),  # version 17
    ):
        ledger.record(e, command, by=chief, today=TODAY)
    return e


# Commands to try on an enterprise: each either records or is refused by a rule, the same way on equal states.
ATTEMPTS: list[tuple[str, Callable[[Enterprise], None]]] = [
    ("order after closure", lambda a: a.order_to_rectify(actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 20),
                                                         order_no="ZG-3", deadline=date(2026, 10, 20), items=["x"])),
    ("order before closure, reused number", lambda a: a.order_to_rectify(
        actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 1), order_no="ZG-2", deadline=date(2026, 10, 1),
        items=["x"])),
    ("verify the open order", lambda a: a.verify_rectification(actor=SYSTEM, today=TODAY,
                                                               occurred_on=date(2026, 9, 5), order_no="ZG-2",
                                                               passed=True)),
    ("verify the passed order", lambda a: a.verify_rectification(actor=SYSTEM, today=TODAY,
                                                                 occurred_on=date(2026, 9, 5), order_no="ZG-1",
                                                                 passed=True)),
    ("review again, same year", lambda a: a.review_license(actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 6),
                                                           license_no="XZF-1", year=2026)),
    ("review a retracted licence", lambda a: a.review_license(actor=SYSTEM, today=TODAY,
                                                              occurred_on=date(2026, 9, 6), license_no="XZF-2",
                                                              year=2026)),
    ("reuse a retracted sample number", lambda a: a.record_sample(
        actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 5), sample_no="CJ-2", product_category="bean_products",
        result="pass")),
    ("reuse a live sample number", lambda a: a.record_sample(
        actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 5), sample_no="CJ-1", product_category="bean_products",
        result="pass")),
    ("retract again", lambda a: a.retract(actor=SYSTEM, today=TODAY, occurred_on=TODAY, event_version=10, reason="x")),
    ("retract an order its verification depends on", lambda a: a.retract(
        actor=SYSTEM, today=TODAY, occurred_on=TODAY, event_version=3, reason="x")),
    ("retract the registration", lambda a: a.retract(actor=SYSTEM, today=TODAY, occurred_on=TODAY, event_version=1,
                                                     reason="x")),
    ("inspect after closure", lambda a: a.inspect(actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 30),
                                                  outcome="compliant")),
    ("license of the wrong type", lambda a: a.grant_license(
        actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 6), license_type="food_production", license_no="SC-1",
        valid_until=date(2027, 9, 6))),
]


def outcome(aggregate: Enterprise, attempt: Callable[[Enterprise], None]) -> Any:
    try:
        attempt(aggregate)
    except errors.DomainError as e:
        return type(e).__name__
    return ("recorded",
            typed({k: v for k, v in vars(aggregate).items() if k not in ("_pending_events", "_modified_on")}))


def test_an_enterprise_loaded_from_a_snapshot_and_later_events_equals_one_replayed_from_zero(snapshotting, ledger,
                                                                                               chief):
    e = rich_history(ledger, chief)
    snapshots = list(ledger.snapshots.get(e, desc=True))
    assert [s.originator_version for s in snapshots] == [15, 10, 5]
    assert type(snapshots[0].state["acts"]) is dict and all(type(k) is int for k in snapshots[0].state["acts"])

    replayed = project_aggregate(None, ledger.events.get(e))
    fresh = build_ledger(snapshotting)  # another process, as it were: nothing cached
    try:
        loaded = fresh.repository.get(e)
        assert fresh.repository.get(e, version=12).version == 12  # from the snapshot at 10 and two events
        from_snapshot_only = fresh.repository.get(e, version=15)
    finally:
        fresh.close()
    assert loaded.version == replayed.version == 17
    assert state(loaded) == state(replayed)
    assert state(from_snapshot_only) == state(project_aggregate(None, ledger.events.get(e, lte=15)))
    assert state(ledger.repository.get(e)) == state(replayed)  # what this ledger cached after its own saves

    refusals = 0
    for name, attempt in ATTEMPTS:
        a, b = copy_aggregate(loaded), copy_aggregate(replayed)
        seen = outcome(a, attempt)
        assert seen == outcome(b, attempt), name
        refusals += isinstance(seen, str)
    assert refusals >= 8  # the attempts exercise the rules, not only the happy path


def test_an_official_loaded_from_a_snapshot_equals_one_replayed_from_zero(snapshotting, ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector",
                                        towns=["石桥镇"])
    tokens = [ledger.issue_token(appointed.official_id, by=SYSTEM, today=TODAY) for _ in range(6)]
    ledger.revoke_token(appointed.official_id, tokens[2], by=SYSTEM, today=TODAY)
    ledger.reassign_official(appointed.official_id, by=SYSTEM, today=TODAY, towns=["河口镇", "石桥镇"],
                             role="supervisor")
    assert [s.originator_version for s in ledger.snapshots.get(appointed.official_id)] == [5, 10]
    fresh = build_ledger(snapshotting)
    try:
        loaded = fresh.repository.get(appointed.official_id)
        assert fresh.authenticate(tokens[0]).towns == ("河口镇", "石桥镇")
        with pytest.raises(errors.Unauthenticated):
            fresh.authenticate(tokens[2])
    finally:
        fresh.close()
    assert state(loaded) == state(project_aggregate(None, ledger.events.get(appointed.official_id)))


def test_a_refused_command_and_a_lost_race_leave_the_cached_enterprise_as_recorded(snapshotting, ledger, chief):
    e = rich_history(ledger, chief)
    before = state(ledger.repository.get(e))
    with pytest.raises(errors.DuplicateSampleNo):
        ledger.record(e, RecordSample(occurred_on=date(2026, 9, 5), sample_no="CJ-1", product_category="bean_products",
                                      result="pass"), by=chief, today=TODAY)
    assert state(ledger.repository.get(e)) == before
    other = build_ledger(snapshotting)
    try:
        copy = ledger.repository.get(e)
        # version 18
        other.record(e, Inspect(occurred_on=date(2026, 9, 20), outcome="compliant"), by=chief, today=TODAY)
        copy.inspect(actor=chief.as_actor, today=TODAY, occurred_on=date(2026, 9, 21), outcome="compliant")
        with pytest.raises(IntegrityError):
            ledger.save(copy)  # also version 18: refused by the store
    finally:
        other.close()
    current = ledger.repository.get(e)
    assert current.version == 18 and state(current) == state(project_aggregate(None, ledger.events.get(e)))


def test_two_ledgers_on_one_store_see_each_others_writes_at_once(snapshotting, ledger, chief):
    e = ledger.register(Register(occurred_on=date(2026, 8, 5), name="周记豆芽坊", town="石桥镇", area="rural",
                                 kind="small_workshop"), by=chief, today=TODAY).enterprise_id
    other = build_ledger(snapshotting)
    try:
        for n in range(12):
            writer = (ledger, other)[n % 2]
            result = writer.record(e,
                                   RecordSample(occurred_on=date(2026, 9, 1), sample_no=f"CJ-{n}",
                                                product_category="bean_products", result="pass"), by=chief, today=TODAY)
            assert result.version == n + 2
        with pytest.raises(errors.DuplicateSampleNo):
            other.record(e, RecordSample(occurred_on=date(2026, 9, 1), sample_no="CJ-10",
                                         product_category="bean_products", result="pass"), by=chief, today=TODAY)
        assert state(other.repository.get(e)) == state(ledger.repository.get(e))
    finally:
        other.close()
    assert [h.version for h in ledger.history(e)] == list(range(1, 14))


def test_the_cache_holds_at_most_its_size_and_a_copy_shares_nothing_a_command_changes(settings, chief):
    small = build_ledger(settings.model_copy(update={"aggregate_cache_size": 3}))
    try:
        ids = [small.register(Register(occurred_on=date(2026, 8, 5), name=f"企业{i}", town="石桥镇", area="rural",
                                       kind="small_workshop"), by=chief, today=TODAY).enterprise_id
               for i in range(8)]
        for e in ids:
            small.record(e, Inspect(occurred_on=date(2026, 9, 1), outcome="compliant"), by=chief, today=TODAY)
        assert len(small.repository.cache.cache) <= 3
        assert all(small.repository.get(e).version == 2 for e in ids)  # evicted ones load again

        cached = small.repository.cache.get(ids[-1]).aggregate
        before = state(cached)
        copy = small.repository.get(ids[-1])
        copy.order_to_rectify(actor=SYSTEM, today=TODAY, occurred_on=date(2026, 9, 2), order_no="ZG-1",
                              deadline=date(2026, 10, 2), items=["x"])
        copy.retract(actor=SYSTEM, today=TODAY, occurred_on=TODAY, event_version=2, reason="x")
        assert state(cached) == before
    finally:
        small.close()


def test_authentication_sees_a_revocation_and_a_deactivation_by_another_ledger_at_once(snapshotting, ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    second = ledger.issue_token(appointed.official_id, by=SYSTEM, today=TODAY)
    assert ledger.authenticate(appointed.token).name == "王芳"  # now cached here
    other = build_ledger(snapshotting)
    try:
        other.revoke_token(appointed.official_id, appointed.token, by=SYSTEM, today=TODAY)
        with pytest.raises(errors.Unauthenticated):
            ledger.authenticate(appointed.token)
        assert ledger.authenticate(second).name == "王芳"
        other.deactivate_official(appointed.official_id, by=SYSTEM, today=TODAY)
        with pytest.raises(errors.Unauthenticated):
            ledger.authenticate(second)
    finally:
        other.close()


def test_a_command_refused_on_what_this_process_last_knew_is_decided_again_on_fresh_state(snapshotting, ledger,
                                                                                          chief):
    e = ledger.register(Register(occurred_on=date(2026, 8, 5), name="周记豆芽坊", town="石桥镇", area="rural",
                                 kind="small_workshop"), by=chief, today=TODAY).enterprise_id
    ledger.record(e, Inspect(occurred_on=date(2026, 8, 9), outcome="compliant"), by=chief, today=TODAY)  # cached at 2
    other = build_ledger(snapshotting)
    try:
        other.record(e, OrderToRectify(occurred_on=date(2026, 8, 10), order_no="ZG-9", deadline=date(2026, 9, 10),
                                       items=["整改"]), by=chief, today=TODAY)
        # unknown to the cached copy
        passed = ledger.record(e, VerifyRectification(occurred_on=date(2026, 8, 20), order_no="ZG-9", passed=True),
                               by=chief, today=TODAY)
        assert passed.version == 4
        other.record(e, Inspect(occurred_on=date(2026, 8, 21), outcome="compliant"), by=chief, today=TODAY)
        # If-Match names a version only the store knew
        assert ledger.record(e, Inspect(occurred_on=date(2026, 8, 22), outcome="compliant"), by=chief, today=TODAY,
                             expected_version=5).version == 6
        with pytest.raises(errors.ConcurrencyConflict):
            ledger.record(e, Inspect(occurred_on=date(2026, 8, 22), outcome="compliant"), by=chief, today=TODAY,
                          expected_version=5)
    finally:
        other.close()


def test_snapshots_come_every_interval_then_less_often_as_the_history_grows():
    from application.ledger import snapshot_step

    taken = [v for v in range(1, 2001) if v // snapshot_step(v, 50) > (v - 1) // snapshot_step(v, 50)]
    assert taken == [*range(50, 400, 50), *range(400, 800, 100), *range(800, 1600, 200), 1600, 2000]
