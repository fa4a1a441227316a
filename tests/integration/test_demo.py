"""The demo campaign: realistic, entered in order, some of it late, all of it visible."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from application.bootstrap import build_ledger
from domain.bureau_time import bureau_date
from projections import open_views
from seeding.demo import ENTERPRISES, seed_demo

TODAY = date(2026, 11, 27)


@pytest.fixture
def seeded(settings):
    ledger = build_ledger(settings)
    seed_demo(ledger, TODAY)
    yield ledger
    ledger.close()


def enterprise_events(ledger):
    ids = {n.originator_id for n in ledger.recorder.select_notifications(
        start=None, limit=100_000, topics=["domain.enterprise:Enterprise.Registered"])}
    return {i: list(ledger.events.get(i)) for i in ids}


def test_every_enterprise_is_entered_in_order_and_some_acts_late(seeded):
    events = enterprise_events(seeded)
    assert len(events) == len(ENTERPRISES)
    for history in events.values():
        stamps = [e.timestamp for e in history]
        assert stamps == sorted(stamps)
        assert all(e.occurred_on <= bureau_date(e.timestamp) for e in history)
    delays = [(bureau_date(e.timestamp) - e.occurred_on).days for h in events.values() for e in h]
    assert sum(d >= 7 for d in delays) >= 5 and sum(d <= 2 for d in delays) > len(delays) / 2
    assert sum(type(e).__name__ == "Retracted" for h in events.values() for e in h) == 1


def test_every_enterprise_shows_in_the_status_view_today(settings, seeded):
    views = open_views(settings)
    try:
        views.catch_up()
        states = views.status.states_at(TODAY, datetime.now(UTC))
    finally:
        views.close()
    assert len(states) == len(ENTERPRISES)
    assert {s.status for _, s in states} >= {"licensed", "overdue", "closed", "registered"}


def test_a_store_seeded_before_the_demo_moved_still_reads_its_marker(settings):
    """Stores seeded when the marker lived in application/demo.py keep that topic forever."""
    from dataclasses import replace

    from application.markers import DemoSeeded

    ledger = build_ledger(settings)
    try:
        marker = DemoSeeded(officials={}, enterprises=3)
        stored = [ledger.mapper.to_stored_event(e) for e in marker.collect_events()]
        old = [replace(s, topic=s.topic.replace("application.markers:", "application.demo:"),
                       state=s.state.replace(b"application.markers:", b"application.demo:")) for s in stored]
        assert all(s.topic.startswith("application.demo:") and b"application.demo:" in s.state for s in old)
        ledger.recorder.insert_events(old)
        result = seed_demo(ledger, TODAY)
        assert (result.seeded, result.enterprises) == (False, 3)
        views = open_views(settings)
        try:
            views.catch_up()
            assert views.status.states_at(TODAY, datetime.now(UTC)) == []
        finally:
            views.close()
    finally:
        ledger.close()


def test_the_demo_seeds_in_the_first_minute_of_the_bureaus_day(settings):
    """At 00:00:30 in the bureau (16:00:30 UTC) "a minute ago" is yesterday; today's acts are recorded today."""
    now = datetime(2026, 11, 29, 16, 0, 30, tzinfo=UTC)
    today = bureau_date(now)
    assert today == date(2026, 11, 30)
    ledger = build_ledger(settings)
    try:
        seed_demo(ledger, today, now=now)
        events = [e for h in enterprise_events(ledger).values() for e in h]
    finally:
        ledger.close()
    assert len({e.originator_id for e in events}) == len(ENTERPRISES)
    assert any(e.occurred_on == today for e in events)  # the demo's last acts happened today
    assert all(e.occurred_on <= bureau_date(e.timestamp) and e.timestamp < now for e in events)
