"""Property: for random histories and random (as_of, known_at), the views answer exactly
what a small, obviously correct fold of the raw log answers.

The reference below is written independently of domain/status.py: take the events
recorded by known_at, drop those voided by a retraction recorded by known_at, keep
those that occurred on or before as_of, and read the answer off them.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application.bootstrap import build_ledger
from application.settings import Settings
from domain.recording_clock import simulated
from projections import open_views
from tests.integration.projection_histories import START, TODAY, histories, record_history

EXAMPLES = {"sqlite": 200, "postgres": 50}
WINDOW_DAYS = 30


# -- the reference ------------------------------------------------------------------------


def live(history: list[Any], as_of: date, known_at: datetime) -> list[Any]:
    known = [h for h in history if h.recorded_at <= known_at]
    voided = {h.payload["event_version"] for h in known if h.type == "Retracted"}
    return [h for h in known if h.version not in voided and h.occurred_on <= as_of]


def reference_enterprise(history: list[Any], as_of: date, known_at: datetime) -> dict[str, Any] | None:
    acts = [h for h in live(history, as_of, known_at) if h.type != "Retracted"]
    if not any(h.type == "Registered" for h in acts):
        return None
    orders = {h.payload["order_no"]: h.payload["deadline"] for h in acts if h.type == "OrderedToRectify"}
    passed = {h.payload["order_no"] for h in acts if h.type == "RectificationVerified" and h.payload["passed"]}
    open_orders = {no: deadline for no, deadline in orders.items() if no not in passed}
    if any(h.type == "Closed" for h in acts):
        status = "closed"
    elif any(deadline < as_of for deadline in open_orders.values()):
        status = "overdue"
    elif open_orders:
        status = "under_rectification"
    elif any(h.type == "Licensed" and as_of <= h.payload["valid_until"] for h in acts):
        status = "licensed"
    else:
        status = "registered"
    inspections = sorted((h.occurred_on, h.version, h.payload["outcome"]) for h in acts if h.type == "Inspected")
    return {
        "status": status,
        "open_orders": sorted(open_orders),
        "samples": sum(h.type in ("SamplePassed", "SampleFailed") for h in acts),
        "failed": sum(h.type == "SampleFailed" for h in acts),
        "last_inspection": (inspections[-1][0], inspections[-1][2]) if inspections else None,
    }


def reference_accountability(histories: dict[Any, list[Any]], as_of: date, known_at: datetime) -> dict[str, Any]:
    acts = [(eid, h) for eid, history in histories.items() for h in live(history, as_of, known_at)]
    officials: dict[str, dict[str, Any]] = {}
    for _, h in acts:
        o = officials.setdefault(str(h.actor.official_id), {
            "official_id": str(h.actor.official_id), "name": h.actor.name, "actions": Counter(),
            "orders": Counter(issued=0, passed_on_time=0, passed_late=0, overdue=0),
        })
        o["actions"][h.type] += 1
    overdue = []
    for eid, order in ((e, h) for e, h in acts if h.type == "OrderedToRectify"):
        no, deadline, issuer = order.payload["order_no"], order.payload["deadline"], str(order.actor.official_id)
        passes = [h.occurred_on for e, h in acts
                  if e == eid and h.type == "RectificationVerified"
                  and h.payload["order_no"] == no and h.payload["passed"]]
        counts = officials[issuer]["orders"]
        counts["issued"] += 1
        if passes:
            counts["passed_on_time" if min(passes) <= deadline else "passed_late"] += 1
        elif deadline < as_of:
            counts["overdue"] += 1
            overdue.append({"enterprise_id": str(eid), "order_no": no, "deadline": deadline.isoformat(),
                            "issued_by": issuer})
    pairs = [
        {"enterprise_id": str(eid), "inspector_id": str(i.actor.official_id), "inspected_on": i.occurred_on.isoformat(),
         "sample_no": f.payload["sample_no"], "failed_on": f.occurred_on.isoformat(),
         "days_between": (f.occurred_on - i.occurred_on).days}
        for eid, i in acts if i.type == "Inspected" and i.payload["outcome"] == "compliant"
        for e2, f in acts if e2 == eid and f.type == "SampleFailed"
        and 0 <= (f.occurred_on - i.occurred_on).days <= WINDOW_DAYS
    ]
    return {
        "officials": [{**o, "actions": dict(o["actions"]), "orders": dict(o["orders"])}
                      for _, o in sorted(officials.items())],
        "overdue_orders": sorted(overdue, key=lambda o: (o["enterprise_id"], o["order_no"])),
        "compliant_then_failed": sorted(
            pairs, key=lambda c: (c["enterprise_id"], c["inspected_on"], c["sample_no"], c["inspector_id"])),
    }


# -- the views' answers, in the reference's terms ------------------------------------------


def view_enterprise(state: Any, as_of: date) -> dict[str, Any]:
    last = state.last_inspection
    return {
        "status": state.status,
        "open_orders": sorted(o.order_no for o in state.open_orders(as_of)),
        "samples": len(state.samples),
        "failed": len(state.failed_samples),
        "last_inspection": (last.occurred_on, last.outcome) if last else None,
    }


def view_accountability(views: Any, as_of: date, known_at: datetime) -> dict[str, Any]:
    report = views.accountability.report(as_of, known_at, window_days=WINDOW_DAYS, limit=None)
    for name in ("overdue_orders", "compliant_then_failed"):  # a page is a slice of the whole list
        page = views.accountability.report(as_of, known_at, window_days=WINDOW_DAYS, limit=2, offset=1)[name]
        assert (page["items"], page["total"]) == (report[name]["items"][1:3], len(report[name]["items"]))
    return {"officials": report["officials"], "overdue_orders": report["overdue_orders"]["items"],
            "compliant_then_failed": report["compliant_then_failed"]["items"]}


def view_statuses(views: Any, as_of: date, known_at: datetime) -> dict[Any, str]:
    """Each enterprise's status from the bitemporal timeline (what counts and lists by status read)."""
    statuses = {}
    for status in ("registered", "licensed", "under_rectification", "overdue", "closed"):
        page = views.status.enterprises(as_of, known_at, status=status, limit=500)
        statuses.update({eid: status for eid, _ in page.items})
        assert page.total == len(page.items)
    counted = Counter()
    for status, _, _, n in views.status.counts(as_of, known_at):
        counted[status] += n
    assert counted == Counter(statuses.values())
    return statuses


# -- the property ---------------------------------------------------------------------------


def instants(recorded: list[datetime]) -> list[datetime]:
    """Every recorded_at, a moment before each, and long after: where answers can change."""
    tick = timedelta(microseconds=1)
    return sorted({*recorded, *(t - tick for t in recorded), max(recorded) + timedelta(days=1)})


days = st.integers(-3, 160).map(lambda n: START + timedelta(days=n))


def check_history(settings: Settings, steps: list[Any], data: st.DataObject, *, months: bool = False) -> None:
    """`months`: record on a simulated clock that advances four days a step from START, so that the acts are
    recorded (and retracted) over several months, and check each official's acts around the months' turns."""
    ledger = build_ledger(settings)
    views = open_views(settings)
    try:
        if months:
            clock = [datetime.combine(START, time(9), UTC)]

            def tick() -> datetime:
                clock[0] += timedelta(days=4)
                return clock[0]

            with simulated(tick):
                recorded = record_history(ledger, steps)
            check_accountability_by_month(views, ledger, recorded, data)
            return
        recorded = record_history(ledger, steps)
        # Pages of any size must give the same views: event by event, a few at a time, or all at once.
        views.catch_up(page=data.draw(st.sampled_from([1, 3, 500]), label="page"))
        assert views.status.position() >= recorded.last_position
        history = {eid: ledger.history(eid) for eid in recorded.enterprises.values()}
        moments = instants(recorded.recorded_at)
        for _ in range(6):
            as_of = data.draw(days, label="as_of")
            known_at = data.draw(st.sampled_from(moments), label="known_at")
            states = dict(views.status.states_at(as_of, known_at))
            expected = {eid: reference_enterprise(h, as_of, known_at) for eid, h in history.items()}
            actual = {eid: view_enterprise(states[eid], as_of) if eid in states else None for eid in history}
            assert actual == expected
            assert set(states) <= set(history)
            assert view_statuses(views, as_of, known_at) == {e: x["status"] for e, x in expected.items() if x}
            assert view_accountability(views, as_of, known_at) == reference_accountability(history, as_of, known_at)
    finally:
        views.close()
        ledger.close()


def check_accountability_by_month(views: Any, ledger: Any, recorded: Any, data: st.DataObject) -> None:
    views.catch_up()
    history = {eid: ledger.history(eid) for eid in recorded.enterprises.values()}
    last = max(recorded.recorded_at)
    turns = [datetime(y, m, 1, tzinfo=UTC) for y in range(START.year, last.year + 1) for m in range(1, 13)]
    turns = [t for t in turns if START <= t.date() <= last.date() + timedelta(days=31)]
    tick = timedelta(microseconds=1)
    moments = [*turns, *(t - tick for t in turns)]
    moments += data.draw(st.lists(st.sampled_from(instants(recorded.recorded_at)), min_size=4, max_size=4))
    for known_at in moments:  # each side of every month's turn, and moments acts were recorded at
        for as_of in (data.draw(days, label="as_of"), data.draw(days, label="as_of")):
            expected = reference_accountability(history, as_of, known_at)["officials"]
            assert view_accountability(views, as_of, known_at)["officials"] == expected, (as_of, known_at)


def fresh_settings(store: str, request: pytest.FixtureRequest) -> Settings:
    if store == "sqlite":
        return Settings(database_url=None, data_dir=Path(tempfile.mkdtemp(prefix="zhijian-prop-")))
    return Settings(database_url=request.getfixturevalue("pg_server").create_database("prop"))


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_views_answer_what_a_plain_fold_of_the_log_cut_at_as_of_and_known_at_answers(
    store: str, request: pytest.FixtureRequest
) -> None:
    @hypothesis_settings(max_examples=EXAMPLES[store], deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(steps=histories, data=st.data())
    def prop(steps: list[Any], data: st.DataObject) -> None:
        check_history(fresh_settings(store, request), steps, data)

    prop()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_each_officials_acts_are_counted_alike_when_recorded_and_retracted_over_several_months(
    store: str, request: pytest.FixtureRequest
) -> None:
    """The counts read whole months from view_action_months and the months as_of and known_at fall in act by act:
    the same answer as the fold of the log, at as_of and known_at on either side of the months' turns."""
    @hypothesis_settings(max_examples=EXAMPLES[store] // 2, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(steps=histories, data=st.data())
    def prop(steps: list[Any], data: st.DataObject) -> None:
        check_history(fresh_settings(store, request), steps, data, months=True)

    prop()


def test_the_reference_sees_late_entries_and_retractions_only_from_when_they_were_recorded() -> None:
    """A guard on the reference itself: known_at and as_of cut the log as the README says."""
    from types import SimpleNamespace as E

    t = datetime(2026, 11, 1, 9)
    reg = E(version=1, type="Registered", occurred_on=date(2026, 8, 1), recorded_at=t, payload={})
    order = E(version=2, type="OrderedToRectify", occurred_on=date(2026, 8, 5), recorded_at=t + timedelta(hours=1),
              payload={"order_no": "O1", "deadline": date(2026, 8, 20)})
    undo = E(version=3, type="Retracted", occurred_on=date(2026, 11, 2), recorded_at=t + timedelta(days=1),
             payload={"event_version": 2})
    h = [reg, order, undo]
    assert reference_enterprise(h, date(2026, 9, 1), t)["status"] == "registered"
    assert reference_enterprise(h, date(2026, 9, 1), t + timedelta(hours=2))["status"] == "overdue"
    assert reference_enterprise(h, date(2026, 8, 10), t + timedelta(hours=2))["status"] == "under_rectification"
    assert reference_enterprise(h, date(2026, 9, 1), t + timedelta(days=2))["status"] == "registered"
    assert reference_enterprise(h, date(2026, 7, 1), t + timedelta(days=2)) is None
    assert TODAY > START


# An order passed late, its verification and then the order retracted, the number used again for an order with a
# later deadline, passed on time: the fate of a verification is judged by the deadline of the order live when it
# was recorded, whether the two orders reach the view in one page or in pages of their own.
NUMBER_USED_AGAIN = [(0, "order", 10, 20, 0), (0, "verify_pass", 40, 1, 3), (0, "retract", 41, 1, 1),
                     (0, "retract", 42, 1, 3), (0, "order", 50, 5, 0), (0, "verify_pass", 52, 1, 0)]


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
@pytest.mark.parametrize("page", [1, 500])
def test_an_orders_fate_follows_the_order_its_number_named_when_it_was_verified(
    store: str, page: int, request: pytest.FixtureRequest
) -> None:
    settings = fresh_settings(store, request)
    ledger, views = build_ledger(settings), open_views(settings)
    try:
        recorded = record_history(ledger, NUMBER_USED_AGAIN)
        history = {eid: ledger.history(eid) for eid in recorded.enterprises.values()}
        assert [h.type for h in history[recorded.enterprises[0]]] == [
            "Registered", "OrderedToRectify", "RectificationVerified", "Retracted", "Retracted", "OrderedToRectify",
            "RectificationVerified"]
        views.catch_up(page=page)
        last = START + timedelta(days=60)
        for known_at in instants(recorded.recorded_at):
            for as_of in (START + timedelta(days=45), last):
                assert view_accountability(views, as_of, known_at) == reference_accountability(history, as_of,
                                                                                              known_at)
        officials = view_accountability(views, last, max(recorded.recorded_at))["officials"]
        issuer = str(recorded.officials[0].id)  # pick 0: the first official issued both orders
        assert [o["orders"] for o in officials if o["official_id"] == issuer] == [
            {"issued": 1, "passed_on_time": 1, "passed_late": 0, "overdue": 0}]
    finally:
        views.close()
        ledger.close()
