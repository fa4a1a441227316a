"""The shared fold: status precedence, overdue by date, timelines and retractions."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.status import Fact, Standing, breakpoints, fold, live_facts, standing_timeline
from domain.values import Kind

T0 = datetime(2026, 11, 1, tzinfo=UTC)
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


def standing_on_each_day(facts, first: date, last: date) -> dict[date, Standing | None]:
    """The standing timeline read day by day (None before the registration)."""
    intervals = standing_timeline(facts)
    days, day = {}, first
    while day <= last:
        matching = [s for start, end, s in intervals if start <= day and (end is None or day < end)]
        assert len(matching) <= 1
        days[day] = matching[0] if matching else None
        day += timedelta(days=1)
    return days


def standing_by_fold(facts, day: date) -> Standing | None:
    """The same figures read off the fold, as the campaign report's reference defines them."""
    state = fold(facts, day)
    if state is None:
        return None
    fates = [o.fate(day) for o in state.orders]
    required = Kind(state.kind).required_license.value
    return Standing(
        status=state.status,
        licensed=any(lic.license_type == required and lic.is_valid(day) for lic in state.licenses),
        closed_on=state.closure.occurred_on if state.closure else None,
        closure_reason=state.closure.reason if state.closure else None,
        orders=len(state.orders), passed_on_time=fates.count("passed_on_time"), passed_late=fates.count("passed_late"),
        overdue=fates.count("overdue"), open=fates.count("open"),
        failed_verifications=sum(1 for o in state.orders for v in o.verifications if not v.passed),
    )


def test_standing_timeline_agrees_with_fold_on_every_day():
    facts = history()
    for day, standing in standing_on_each_day(facts, date(2026, 8, 1), date(2027, 2, 1)).items():
        assert standing == standing_by_fold(facts, day), day


def test_standing_timeline_merges_days_of_equal_standing():
    statuses = [(start, end, s.status, s.licensed, s.overdue) for start, end, s in standing_timeline(history())]
    assert statuses == [
        (date(2026, 8, 5), date(2026, 8, 10), "registered", False, 0),
        (date(2026, 8, 10), date(2026, 8, 12), "under_rectification", False, 0),
        (date(2026, 8, 12), date(2026, 8, 31), "under_rectification", True, 0),  # licensed, the order still open
        (date(2026, 8, 31), date(2026, 9, 3), "overdue", True, 1),
        (date(2026, 9, 3), date(2027, 1, 1), "licensed", True, 0),
        (date(2027, 1, 1), None, "registered", False, 0),
    ]


START = date(2026, 8, 1)
offsets = st.integers(0, 60)


@st.composite
def histories(draw):
    """A registration, then random status-changing and other acts (rules not enforced: the fold must cope)."""
    facts = [fact(1, "Registered", START + timedelta(days=draw(st.integers(0, 10))), **REG)]
    for version in range(2, draw(st.integers(2, 14))):
        on = START + timedelta(days=draw(offsets))
        kind = draw(st.sampled_from(["order", "verify", "license", "close", "inspect", "sample"]))
        no = str(draw(st.integers(1, 3)))
        if kind == "order":
            facts.append(fact(version, "OrderedToRectify", on, order_no=no, deadline=on + timedelta(days=draw(offsets)),
                              items=["x"]))
        elif kind == "verify":
            facts.append(fact(version, "RectificationVerified", on, order_no=no, passed=draw(st.booleans())))
        elif kind == "license":
            facts.append(fact(version, "Licensed", on, license_no=no,
                              license_type=draw(st.sampled_from(["workshop_registration", "food_production"])),
                              valid_until=on + timedelta(days=draw(offsets))))
        elif kind == "close":
            facts.append(fact(version, "Closed", on, reason=draw(st.sampled_from(["voluntary", "unlicensed"]))))
        elif kind == "inspect":
            facts.append(fact(version, "Inspected", on, outcome="compliant"))
        else:
            facts.append(fact(version, "SampleFailed", on, sample_no=no, product_category="bean_products",
                              failed_items=["x"]))
    return facts


@settings(max_examples=300, deadline=None, derandomize=True)
@given(histories())
def test_for_random_histories_the_standing_timeline_is_the_folds_on_every_day(facts):
    for day, standing in standing_on_each_day(facts, START - timedelta(days=2), START + timedelta(days=140)).items():
        assert standing == standing_by_fold(facts, day), day


def test_retraction_voids_its_target_from_when_it_was_recorded():
    facts = [*history()[:2], fact(3, "Retracted", date(2026, 9, 1), minutes=30, event_version=2, reason="录入错误")]
    before = live_facts(facts, T0 + timedelta(minutes=10))
    after = live_facts(facts, T0 + timedelta(minutes=30))
    assert [f.version for f in before] == [1, 2]
    assert [f.version for f in after] == [1]
