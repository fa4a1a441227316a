"""The shared fold: status precedence, overdue by date, timelines and retractions."""

from datetime import date, datetime, timedelta, timezone

from domain.status import Fact, breakpoints, fold, live_facts, timeline

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
REG = {"name": "张记豆腐坊", "town": "石桥镇", "area": "rural", "kind": "small_workshop",
       "product_categories": ["bean_products"], "credit_code": None, "address": ""}


def fact(version, type_, on, minutes=0, **payload):
    return Fact(version, type_, on, T0 + timedelta(minutes=minutes or version), "u1", payload)


def history():
    return [
        fact(1, "Registered", date(2026, 8, 5), **REG),
        fact(2, "OrderedToRectify", date(2026, 8, 10), order_no="1", deadline=date(2026, 8, 30), items=["x"]),
        fact(3, "Licensed", date(2026, 8, 12), license_no="L1", license_type="workshop_registration",
             valid_until=date(2026, 12, 31)),
        fact(4, "RectificationVerified", date(2026, 9, 3), order_no="1", passed=True),
    ]


def test_not_registered_before_the_registration_date():
    assert fold(history(), date(2026, 8, 4)) is None


def test_status_follows_the_precedence_over_valid_time():
    facts = history()
    assert fold(facts, date(2026, 8, 5)).status == "registered"
    assert fold(facts, date(2026, 8, 10)).status == "under_rectification"
    assert fold(facts, date(2026, 8, 12)).status == "under_rectification"  # open order beats licence
    assert fold(facts, date(2026, 8, 30)).status == "under_rectification"  # deadline day itself
    assert fold(facts, date(2026, 8, 31)).status == "overdue"
    assert fold(facts, date(2026, 9, 3)).status == "licensed"
    assert fold(facts, date(2027, 1, 1)).status == "registered"  # licence expired


def test_closure_beats_everything():
    facts = [*history()[:2], fact(5, "Closed", date(2026, 9, 1), reason="fringe_workshop")]
    assert fold(facts, date(2026, 8, 31)).status == "overdue"
    assert fold(facts, date(2026, 9, 1)).status == "closed"


def test_order_fates_by_date():
    order = fold(history(), date(2026, 9, 30)).orders[0]
    assert order.passed_on == date(2026, 9, 3)
    assert order.fate(date(2026, 8, 20)) == "open"
    assert order.fate(date(2026, 9, 1)) == "overdue"
    assert order.fate(date(2026, 9, 3)) == "passed_late"


def test_a_failed_verification_leaves_the_order_open():
    facts = [*history()[:2], fact(4, "RectificationVerified", date(2026, 8, 20), order_no="1", passed=False)]
    assert fold(facts, date(2026, 8, 25)).status == "under_rectification"
    assert fold(facts, date(2026, 8, 25)).orders[0].verifications[0].passed is False


def test_breakpoints_include_the_day_after_deadlines_and_expiries():
    assert breakpoints(history()) == [
        date(2026, 8, 5), date(2026, 8, 10), date(2026, 8, 12), date(2026, 8, 31), date(2026, 9, 3), date(2027, 1, 1),
    ]


def test_timeline_intervals_agree_with_fold_on_every_day():
    facts = history()
    intervals = timeline(facts)
    day = date(2026, 8, 1)
    while day < date(2027, 2, 1):
        expected = fold(facts, day)
        matching = [i for i in intervals if i.valid_from <= day and (i.valid_to is None or day < i.valid_to)]
        if expected is None:
            assert matching == []
        else:
            assert [i.state for i in matching] == [expected]
        day += timedelta(days=1)


def test_retraction_voids_its_target_from_when_it_was_recorded():
    facts = [*history()[:2], fact(3, "Retracted", date(2026, 9, 1), minutes=30, event_version=2, reason="录入错误")]
    before = live_facts(facts, T0 + timedelta(minutes=10))
    after = live_facts(facts, T0 + timedelta(minutes=30))
    assert [f.version for f in before] == [1, 2]
    assert [f.version for f in after] == [1]


def test_state_round_trips_through_json():
    state = fold(history(), date(2026, 9, 30))
    from domain.status import EnterpriseState

    assert EnterpriseState.from_dict(state.as_dict()) == state
