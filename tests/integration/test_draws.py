"""Random inspections on both stores: the register the draw reads from the views, old inspections, and the CLI."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from eventsourcing.persistence import StoredEvent

from application.commands import Inspect, OrderToRectify, RecordSample, Register, VerifyRectification
from domain import draw as draws
from domain.actor import SYSTEM
from projections import open_views
from projections.draw_register import read_register
from tests.integration.test_cli import zhijian

TODAY = date(2026, 10, 1)
SEED = "integration-seed-0123456789"


def setup(ledger):
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=date(2025, 1, 2), name="李明",
                                                        unit="食品监管办", role="supervisor").token)
    inspector = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=date(2025, 1, 2), name="王芳",
                                                            unit="食品监管办", role="inspector").token)
    ids = [ledger.register(Register(occurred_on=date(2025, 1, 5), name=f"作坊{i}", town="石桥镇", area="rural",
                                    kind="small_workshop", product_categories=["bean_products"]),
                           by=chief, today=TODAY).enterprise_id for i in range(4)]
    return chief, inspector, ids


def rules(**changes):
    base = draws.PlanRules(towns=(), kinds=(), categories=(), high_risk_categories=("meat_products",),
                           quotas={s.value: draws.Quota(ratio="1") for s in draws.STRATA}, inspectors_per_target=2,
                           cross_town=False, recent_months=0)
    return replace(base, **changes)


def test_the_register_marks_bad_records_and_recent_inspections_as_of_the_draw(settings, ledger):
    chief, inspector, ids = setup(ledger)
    failed, overdue, recovered, clean = ids
    ledger.record(failed, RecordSample(occurred_on=date(2026, 3, 1), sample_no="CJ-1", product_category="bean_products",
                                       result="fail", failed_items=["铅"]), by=chief, today=TODAY)
    # Overdue from 2026-02-01 until passed on 2026-02-20: overdue on days within the last 12 months.
    ledger.record(overdue, OrderToRectify(occurred_on=date(2026, 1, 1), order_no="ZG-1", deadline=date(2026, 1, 31),
                                          items=["整改"]), by=chief, today=TODAY)
    ledger.record(overdue, VerifyRectification(occurred_on=date(2026, 2, 20), order_no="ZG-1", passed=True),
                  by=chief, today=TODAY)
    # Passed before its deadline, and an old failed sample (more than 12 months before the draw).
    ledger.record(recovered, OrderToRectify(occurred_on=date(2026, 5, 1), order_no="ZG-2", deadline=date(2026, 6, 1),
                                            items=["整改"]), by=chief, today=TODAY)
    ledger.record(recovered, VerifyRectification(occurred_on=date(2026, 5, 20), order_no="ZG-2", passed=True),
                  by=chief, today=TODAY)
    ledger.record(recovered, RecordSample(occurred_on=date(2025, 9, 1), sample_no="CJ-2",
                                          product_category="bean_products", result="fail", failed_items=["铅"]),
                  by=chief, today=TODAY)
    ledger.record(clean, Inspect(occurred_on=date(2026, 8, 1), outcome="compliant"), by=inspector, today=TODAY)
    views = open_views(settings)
    try:
        views.catch_up()
        register = read_register(views, rules(recent_months=3), TODAY, datetime.now(UTC))
        bad = {c.enterprise_id for c in register.enterprises if c.bad_record}
        assert bad == {str(failed), str(overdue)}
        assert register.recently_inspected == {(str(inspector.id), str(clean))}
        assert {i.official_id for i in register.inspectors} == {str(chief.id), str(inspector.id)}
        # Known earlier, the register held less: nothing recorded after known_at counts.
        before = read_register(views, rules(), TODAY, datetime.now(UTC) - timedelta(days=1))
        assert before.enterprises == () and before.inspectors == ()
    finally:
        views.close()


def test_an_inspection_stored_before_draws_existed_still_loads_answering_none(settings, ledger):
    chief, _, ids = setup(ledger)
    enterprise = ledger._enterprise(ids[0])  # loaded to make an event, stored below as an old version would have
    enterprise.inspect(actor=chief.as_actor, today=TODAY, occurred_on=TODAY, outcome="deficient", notes="旧版本")
    event = enterprise.pending_events[-1]
    stored = ledger.mapper.to_stored_event(event)
    state = ledger.mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2 and state.pop("draw_id") is None
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                      ledger.mapper.transcoder.encode(state))  # an Inspected as version 1 of the class stored it
    ledger.recorder.insert_events([old])
    loaded = ledger.history(ids[0])[-1]
    assert loaded.type == "Inspected" and loaded.payload["draw_id"] is None and loaded.payload["notes"] == "旧版本"
    views = open_views(settings)
    try:
        views.catch_up()
        state_now = views.status.state_of(ids[0], TODAY, datetime.now(UTC))
        assert state_now.inspections[-1].outcome == "deficient"
    finally:
        views.close()


def test_the_cli_announces_draws_verifies_and_lists(settings, ledger, tmp_path):
    chief_appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办", role="supervisor")
    ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="食品监管办", role="inspector")
    chief = ledger.authenticate(chief_appointed.token)
    for i in range(3):
        ledger.register(Register(occurred_on=TODAY, name=f"作坊{i}", town="石桥镇", area="rural",
                                 kind="small_workshop"), by=chief, today=TODAY)
    made = zhijian(settings, tmp_path, "draws", "seed")
    assert made.returncode == 0, made.stderr
    seed = re.search(r"^seed: (\S+)$", made.stdout, re.M).group(1)
    commitment = re.search(r"^commitment: (\S+)$", made.stdout, re.M).group(1)
    assert commitment == draws.commitment(seed)
    token = ("--token", chief_appointed.token)
    announced = zhijian(settings, tmp_path, "draws", "announce", *token, "--name", "命令行抽查", "--commitment",
                        commitment, "--period-start", "2026-10-01", "--period-end", "2099-12-31", "--bad-record",
                        "ratio:1", "--high-risk", "ratio:1", "--general", "count:2")
    assert announced.returncode == 0, announced.stderr + announced.stdout
    plan_id = announced.stdout.strip().splitlines()[-1]
    refused = zhijian(settings, tmp_path, "draws", "draw", plan_id, *token, "--seed", seed + "x")
    assert refused.returncode == 2 and "seed-matches-commitment" in refused.stdout
    done = zhijian(settings, tmp_path, "draws", "draw", plan_id, *token, "--seed", seed)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "general: 2/3" in done.stdout
    verified = zhijian(settings, tmp_path, "draws", "verify", plan_id)
    assert verified.returncode == 0 and '"ok": true' in verified.stdout, verified.stderr + verified.stdout
    listed = zhijian(settings, tmp_path, "draws", "list")
    assert listed.returncode == 0 and plan_id in listed.stdout and "drawn" in listed.stdout


def test_the_demo_has_one_published_plan_every_target_inspected_on_time_that_verifies(settings, ledger):
    from projections.draw_queries import completion, public_results
    from seeding.demo import seed_demo
    from seeding.demo_draws import seed_demo_draw

    today = date(2026, 11, 27)
    result = seed_demo(ledger, today)
    views = open_views(settings)

    def caught_up(rules, day, known_at):
        views.catch_up()
        return read_register(views, rules, day, known_at)

    try:
        chief = ledger.caller(result.officials["李明"])
        plan_id = seed_demo_draw(ledger, today, chief, caught_up)
        assert seed_demo_draw(ledger, today, chief, caught_up) == plan_id  # once only
        assert ledger.verify_draw(plan_id, caught_up).ok
        views.catch_up()
        now = datetime.now(UTC)
        assert completion(views, str(plan_id), today, now)["totals"]["on_time"] == 3
        public = public_results(views, str(plan_id), now)
        assert len(public["targets"]) == 3 and all(t["inspections"] for t in public["targets"])
    finally:
        views.close()
