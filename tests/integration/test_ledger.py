"""The ledger on each store (SQLite and a real PostgreSQL): one test base, run once per backend."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from application.bootstrap import build_ledger
from application.commands import Inspect, OrderToRectify, RecordSample, Register, Retract
from application.results import Idempotency
from domain import errors
from domain.actor import SYSTEM

TODAY = date(2026, 10, 1)


@pytest.fixture
def chief(ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办", role="supervisor")
    return ledger.authenticate(appointed.token)


def register(ledger, by, **kw):
    fields = dict(occurred_on=date(2026, 8, 5), name="张记豆腐坊", town="石桥镇", area="rural", kind="small_workshop",
                  product_categories=["bean_products"])
    fields.update(kw)
    return ledger.register(Register(**fields), by=by, today=TODAY)


def test_commands_answer_ids_versions_and_increasing_positions(ledger, chief):
    a = register(ledger, chief)
    b = ledger.record(a.enterprise_id, Inspect(occurred_on=date(2026, 8, 9), outcome="compliant"), by=chief,
                      today=TODAY)
    assert (a.version, b.version) == (1, 2)
    assert b.enterprise_id == a.enterprise_id and b.position > a.position
    assert b.recorded_at >= a.recorded_at


def test_events_survive_a_new_application_instance(settings, ledger, chief):
    a = register(ledger, chief)
    ledger.record(a.enterprise_id, Inspect(occurred_on=date(2026, 8, 9), outcome="violation", findings=["three_no"]),
                  by=chief, today=TODAY)
    again = build_ledger(settings)
    try:
        history = again.history(a.enterprise_id)
        assert [h.type for h in history] == ["Registered", "Inspected"]
        assert history[1].payload["findings"] == ["three_no"]
        assert history[1].occurred_on == date(2026, 8, 9)
        assert history[1].actor.name == "李明"
    finally:
        again.close()


def test_history_shows_both_times_positions_and_retractions(ledger, chief):
    a = register(ledger, chief)
    s = ledger.record(a.enterprise_id,
                      RecordSample(occurred_on=date(2026, 9, 3), sample_no="CJ-1", product_category="bean_products",
                                   result="fail", failed_items=["苯甲酸"]), by=chief, today=TODAY)
    r = ledger.record(a.enterprise_id, Retract(event_version=2, reason="样品编号录错"), by=chief, today=TODAY)
    history = ledger.history(a.enterprise_id)
    assert [h.position for h in history] == [a.position, s.position, r.position]
    assert history[1].type == "SampleFailed" and history[1].retracted is not None
    assert history[1].retracted.version == 3 and history[1].retracted.reason == "样品编号录错"
    assert history[1].retracted.actor.official_id == chief.id
    assert history[0].retracted is None


def test_a_credit_code_registers_at_most_once(ledger, chief):
    register(ledger, chief, credit_code="91430111MA4L41YT1U")
    with pytest.raises(errors.CreditCodeTaken):
        register(ledger, chief, name="别的名字", credit_code="91430111ma4l41yt1u")


def test_a_refused_command_stores_nothing(ledger, chief):
    a = register(ledger, chief)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(errors.DeadlineNotAfterOrder):
        ledger.record(a.enterprise_id, OrderToRectify(occurred_on=date(2026, 9, 1), order_no="1",
                                                      deadline=date(2026, 8, 1), items=["x"]), by=chief, today=TODAY)
    assert ledger.recorder.max_notification_id() == before
    assert [h.version for h in ledger.history(a.enterprise_id)] == [1]


def test_unknown_enterprise_is_not_found(ledger, chief):
    from uuid import uuid4

    with pytest.raises(errors.NotFound):
        ledger.record(uuid4(), Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY)


def test_expected_version_mismatch_is_a_conflict(ledger, chief):
    a = register(ledger, chief)
    ledger.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY)
    with pytest.raises(errors.ConcurrencyConflict):
        ledger.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY,
                      expected_version=1)


def test_concurrent_writers_without_expected_version_all_succeed(ledger, chief):
    a = register(ledger, chief)
    results, failures = [], []

    def write(n: int) -> None:
        try:
            results.append(ledger.record(a.enterprise_id,
                                         RecordSample(occurred_on=TODAY, sample_no=f"CJ-{n}",
                                                      product_category="bean_products", result="pass"), by=chief,
                                         today=TODAY))
        except Exception as e:  # noqa: BLE001 - collected and asserted on below
            failures.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(r.version for r in results) == list(range(2, 10))
    assert [h.version for h in ledger.history(a.enterprise_id)] == list(range(1, 10))


def test_idempotency_key_returns_the_original_answer_and_stores_nothing_new(settings, ledger, chief):
    a = register(ledger, chief)
    key = Idempotency("key-1", {"outcome": "compliant"})
    first = ledger.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY,
                          idempotency=key)
    top = ledger.recorder.max_notification_id()
    again = build_ledger(settings)  # also across a restart
    try:
        second = again.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY,
                              idempotency=key)
        assert second == first
        assert again.recorder.max_notification_id() == top
        with pytest.raises(errors.IdempotencyKeyReused):
            again.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="deficient"), by=chief, today=TODAY,
                         idempotency=Idempotency("key-1", {"outcome": "deficient"}))
    finally:
        again.close()


def test_tokens_authenticate_until_revoked_or_deactivated(ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站",
                                        role="inspector", towns=["石桥镇"])
    official = ledger.authenticate(appointed.token)
    assert official.id == appointed.official_id and official.towns == ("石桥镇",)
    second = ledger.issue_token(official.id, by=SYSTEM, today=TODAY)
    ledger.revoke_token(official.id, appointed.token, by=SYSTEM, today=TODAY)
    with pytest.raises(errors.Unauthenticated):
        ledger.authenticate(appointed.token)
    assert ledger.authenticate(second).id == official.id
    ledger.deactivate_official(official.id, by=SYSTEM, today=TODAY)
    with pytest.raises(errors.Unauthenticated):
        ledger.authenticate(second)
    with pytest.raises(errors.Unauthenticated):
        ledger.authenticate("zj_not-a-token")


def test_no_plaintext_token_is_stored(ledger):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    notifications = ledger.recorder.select_notifications(start=None, limit=1000)
    assert notifications and all(appointed.token.encode() not in n.state for n in notifications)


def test_role_and_towns_bound_what_an_official_may_record(ledger, chief):
    a = register(ledger, chief)
    inspector = ledger.authenticate(ledger.appoint_official(
        by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector", towns=["河口镇"]).token)
    with pytest.raises(errors.NotPermitted):  # outside the inspector's towns
        ledger.record(a.enterprise_id, Inspect(occurred_on=TODAY, outcome="compliant"), by=inspector, today=TODAY)
    with pytest.raises(errors.NotPermitted):  # registering into another town
        register(ledger, inspector, town="石桥镇")
    register(ledger, inspector, town="河口镇")
    b = register(ledger, inspector, town="河口镇", name="河口水产店", kind="sales_point")
    with pytest.raises(errors.NotPermitted):  # inspectors do not order rectification
        ledger.record(b.enterprise_id, OrderToRectify(occurred_on=TODAY, order_no="1", deadline=date(2026, 10, 20),
                                                      items=["x"]), by=inspector, today=TODAY)


def test_census_rows_are_registered_once(ledger):
    from application.census import CensusImport

    rows = [(2, {"名称": "张记豆腐坊", "镇街": "石桥镇", "区域": "农村", "类型": "小作坊", "建档日期": "2026-08-05"}),
            (3, {"名称": "清泉水厂", "镇街": "河口镇", "区域": "rural", "类型": "food_producer",
                 "建档日期": "2026-08-06", "统一社会信用代码": "91350200776049653A"})]
    first = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(iter(rows))
    second = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(iter(rows))
    assert (first.registered, first.already_registered, first.errors) == (2, 0, [])
    assert (second.registered, second.already_registered, second.errors) == (0, 2, [])
