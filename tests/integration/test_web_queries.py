"""The overview's and the accountability page's own queries, on both stores, against the report and the
acts one by one: orders' fates week by week, and late entries per official."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from application.campaign_settings import DEFAULT_FILE, load_campaign_settings
from application.commands import Inspect
from domain.official import Caller
from domain.values import Outcome, Role
from interfaces.web.overview import OverviewCache
from projections import open_views
from projections.campaign_report import campaign_report
from projections.late_entries import late_entries_by_official
from projections.order_weeks import FATES, order_fates_by_week, week_ends
from seeding.demo import seed_demo
from tests.integration.test_campaign_report import at

CAMPAIGN = load_campaign_settings(DEFAULT_FILE)


@pytest.fixture
def demo_views(ledger, settings):
    today = date.today()
    seed_demo(ledger, today)
    views = open_views(settings)
    views.catch_up()
    yield views, today
    views.close()


def test_week_ends_run_every_seventh_day_from_the_start_and_end_on_the_date_asked_for():
    start = date(2026, 8, 3)
    assert week_ends(start, date(2026, 8, 1)) == []
    assert week_ends(start, date(2026, 8, 3)) == [date(2026, 8, 3)]
    assert week_ends(start, date(2026, 8, 20)) == [date(2026, 8, 9), date(2026, 8, 16), date(2026, 8, 20)]
    assert week_ends(start, date(2026, 8, 16)) == [date(2026, 8, 9), date(2026, 8, 16)]
    assert len(week_ends(start, date(2030, 1, 1), most=10)) == 10


def test_each_weeks_order_fates_are_what_the_campaign_report_says_at_that_week_end(demo_views):
    views, today = demo_views
    campaign = CAMPAIGN.campaign_for(today)
    recorded = [at(today - timedelta(days=d)) for d in (60, 20, 0)] + [at(today + timedelta(days=1))]
    for known_at in recorded:
        ends = week_ends(campaign.phases[0].start, today)
        with views.status.read() as tx:
            series = order_fates_by_week(tx, today, known_at, ends)
        assert [p["week_end"] for p in series] == ends
        for point in series:
            report = campaign_report(views.status, point["week_end"], known_at, campaign)["rectification"]
            assert {k: point[k] for k in ("issued", *FATES)} == {k: report[k] for k in ("issued", *FATES)}, point
    assert series[-1]["issued"] > 0 and series[-1]["passed_on_time"] > 0  # the demo has orders of every fate


def test_late_entries_per_official_count_the_acts_entered_a_day_or_more_after_they_occurred(demo_views):
    views, today = demo_views
    known_at = at(today + timedelta(days=1))
    expected: dict[str, dict[str, int]] = defaultdict(lambda: {"acts": 0, "late": 0, "late_over_week": 0,
                                                               "most_days_late": 0})
    for action in views.accountability.actions(today, known_at).items:
        e = expected[action.official_id]
        e["acts"] += 1
        e["late"] += action.late_days > 0
        e["late_over_week"] += action.late_days > 7
        e["most_days_late"] = max(e["most_days_late"], action.late_days)
    with views.accountability.recorder.read() as tx:
        found = late_entries_by_official(tx, today, known_at)
    assert found == dict(expected)
    assert any(e["late_over_week"] for e in found.values())  # the demo enters some acts weeks late


def test_the_overview_is_built_again_only_when_the_status_view_has_moved_on(demo_views, ledger):
    views, today = demo_views
    campaign = CAMPAIGN.campaign_for(today)
    cached_overview = OverviewCache().get
    first = cached_overview(views, today, None, campaign)
    assert cached_overview(views, today, None, campaign) is first
    past = cached_overview(views, today, at(today - timedelta(days=20)), campaign)
    assert past is not first and past["census"]["registered"] <= first["census"]["registered"]
    eid = next(iter(views.status.enterprises(today, at(today + timedelta(days=1)), limit=1).items))[0]
    chief = next(o for o in views.accountability.officials(today, at(today + timedelta(days=1))).values()
                 if o["role"] == "supervisor" and not o["towns"])
    caller = Caller(UUID(chief["official_id"]), chief["name"], chief["unit"], Role.SUPERVISOR, ())
    ledger.record(eid, Inspect(occurred_on=today, outcome=Outcome.COMPLIANT), by=caller, today=today)
    views.catch_up()
    again = cached_overview(views, today, None, campaign)
    assert again is not first
    assert again["sampling"] == first["sampling"] and again["census"] == first["census"]


def test_an_act_counts_for_its_official_until_the_month_a_retraction_recorded_it_void(ledger, settings):
    """Acts recorded in January, one retracted in March: whole months are counted from the month cells, the
    months as_of and known_at fall in act by act; every side of the retraction gives the hand-counted acts."""
    from application.commands import Register, Retract
    from domain.actor import SYSTEM
    from domain.recording_clock import fixed, simulated

    today = date(2026, 3, 20)
    with simulated(fixed(datetime(2026, 1, 10, 9, tzinfo=UTC))):
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=today, name="李明", unit="质监局",
                                                            role="supervisor").token)
        registered = ledger.register(Register(occurred_on=date(2026, 1, 1), name="月份企业", town="石桥镇",
                                              area="rural", kind="small_workshop"), by=chief, today=today)
        eid = registered.enterprise_id
        ledger.record(eid, Inspect(occurred_on=date(2026, 1, 8), outcome=Outcome.COMPLIANT), by=chief, today=today)
    retracted_at = datetime(2026, 3, 20, 9, tzinfo=UTC)
    with simulated(fixed(retracted_at)):
        ledger.record(eid, Retract(occurred_on=today, event_version=2, reason="录入错误"), by=chief, today=today)
    views = open_views(settings)
    try:
        views.catch_up()

        def acts(as_of: date, known_at: datetime) -> dict[str, int]:
            officials = views.accountability.report(as_of, known_at, window_days=30, limit=None)["officials"]
            return next((o["actions"] for o in officials if o["official_id"] == str(chief.id)), {})

        both = {"Inspected": 1, "Registered": 1}
        assert acts(date(2026, 2, 15), datetime(2026, 2, 15, 12, tzinfo=UTC)) == both  # months wholly before
        assert acts(date(2026, 2, 15), datetime(2026, 1, 20, tzinfo=UTC)) == both  # known in the month recorded
        assert acts(date(2026, 2, 15), datetime(2026, 3, 1, tzinfo=UTC)) == both  # known_at at March's first instant
        assert acts(date(2026, 2, 15), retracted_at - timedelta(microseconds=1)) == both  # March, before it
        assert acts(date(2026, 1, 31), retracted_at) == {"Registered": 1}  # void from the moment it was recorded
        assert acts(date(2026, 3, 31), datetime(2026, 4, 2, tzinfo=UTC)) == {"Registered": 1, "Retracted": 1}
        assert acts(date(2026, 1, 7), datetime(2026, 2, 1, tzinfo=UTC)) == {"Registered": 1}  # as_of before it
        assert acts(date(2025, 12, 31), datetime(2026, 2, 1, tzinfo=UTC)) == {}  # before the registration: not listed
    finally:
        views.close()
