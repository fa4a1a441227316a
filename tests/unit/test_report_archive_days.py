"""Which days' answers are final, the known_at that ends a day, gzip in Accept-Encoding, and the definition key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from application.campaign_settings import load_campaign_settings
from interfaces.report_archive import FINAL_AFTER, accepts_gzip, definition, end_of_day, final_days, next_run


def test_a_day_ends_at_the_bureaus_midnight():
    assert end_of_day(date(2026, 10, 1)) == datetime(2026, 10, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 Oct, UTC+8
    assert end_of_day(date(2026, 12, 31)) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_a_days_answer_is_final_once_its_end_is_final_after_in_the_past():
    first, last = date(2026, 9, 28), date(2026, 10, 5)
    edge = datetime(2026, 10, 1, 16, 0, tzinfo=UTC) + FINAL_AFTER  # 1 October's end, 10 minutes on
    assert final_days(first, last, edge) == [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
                                             date(2026, 10, 1)]
    assert final_days(first, last, edge - timedelta(microseconds=1))[-1] == date(2026, 9, 30)
    assert final_days(first, date(2026, 9, 29), edge) == [date(2026, 9, 28), date(2026, 9, 29)]  # up to `last`
    assert final_days(last, first, edge) == []


def test_gzip_is_taken_unless_refused():
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, GZIP;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("deflate, gzip;q=0.0") and not accepts_gzip("gzip;q=nonsense")


def test_the_definition_changes_with_the_rules_and_not_otherwise():
    settings = load_campaign_settings(None)
    rules = settings.campaign_for(date(2026, 10, 1))
    assert definition(rules) == definition(load_campaign_settings(None).campaign_for(date(2026, 10, 1)))
    assert definition(rules) != definition(replace(rules, review_target=0.8))
    assert definition(rules) != definition(settings.campaign_for(date(2027, 10, 1)))  # another year's dates


def test_the_nightly_run_wakes_final_after_past_the_bureaus_next_midnight():
    margin = FINAL_AFTER
    oct1_end = datetime(2026, 10, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 October in the bureau
    assert next_run(datetime(2026, 10, 1, 15, 0, tzinfo=UTC)) == oct1_end + margin  # 23:00 on 1 October
    assert next_run(datetime(2026, 10, 1, 16, 5, tzinfo=UTC)) == oct1_end + margin  # 00:05: its run is to come
    assert next_run(oct1_end + margin) == oct1_end + timedelta(days=1) + margin  # run now: the next is tomorrow's
    assert final_days(date(2026, 10, 1), date(2026, 10, 1), next_run(oct1_end)) == [date(2026, 10, 1)]
