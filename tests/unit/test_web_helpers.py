"""Pure helpers of the web pages and operations: charts, the session secret, times from the URL, redaction."""

from __future__ import annotations

import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from interfaces.http.observability import redacted_query
from interfaces.web import charts
from interfaces.web.charts import Series
from interfaces.web.labels import days_late, payload_lines
from interfaces.web.render import when
from interfaces.web.session import SECRET_FILE, Session, Sessions, WebSettings, secret_from

SERIES = [Series("a", "甲"), Series("b", "乙")]


def test_a_stacked_bar_chart_carries_every_value_and_escapes_names():
    svg = str(charts.stacked_bars([("<b>镇</b>", {"a": 3, "b": 4}), ("河口镇", {"a": 0, "b": 1})], SERIES, "图"))
    assert re.findall(r'data-value="(\d+)"', svg) == ["3", "4", "1"]
    assert "<b>镇" not in svg and "&lt;b&gt;镇" in svg
    assert ">7</text>" in svg  # each bar's total is written beside it


def test_a_rate_below_its_target_is_drawn_short_and_one_at_or_above_is_drawn_met():
    svg = str(charts.rate_bars([("年审率", 0.5, 0.9, "5/10"), ("持证率", 1.0, 1.0, "3/3"), ("无", None, None, "")],
                               "率"))
    assert svg.count('class="mark short"') == 1 and svg.count('class="mark met"') == 1
    assert "50.0%（目标 90%）" in svg and "—" in svg


def test_weekly_columns_and_paired_bars_draw_nothing_for_nothing_and_never_fail_on_empty_input():
    for svg in (charts.weekly_columns([], SERIES, "空"), charts.paired_bars([], (SERIES[0], SERIES[1]), "空"),
                charts.stacked_bars([], SERIES, "空"), charts.weekly_columns([("08-09", {})], SERIES, "零")):
        assert str(svg).startswith("<svg") and "data-value" not in str(svg)
    svg = str(charts.weekly_columns([("08-09", {"a": 2}), ("08-16", {"a": 1, "b": 5})], SERIES, "周"))
    assert re.findall(r'data-value="(\d+)"', svg) == ["2", "1", "5"] and "08-16" in svg


def test_the_session_secret_is_made_once_in_the_data_folder_private_to_its_owner(tmp_path: Path):
    first = secret_from(WebSettings(session_secret=None), tmp_path)
    assert len(first) >= 32 and secret_from(WebSettings(session_secret=None), tmp_path) == first
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [tmp_path / SECRET_FILE]  # no staging file left behind


def test_a_configured_session_secret_wins_and_a_short_one_is_refused(tmp_path: Path):
    assert secret_from(WebSettings(session_secret=SecretStr("s" * 40)), tmp_path) == b"s" * 40
    assert not (tmp_path / SECRET_FILE).exists()
    with pytest.raises(ValueError):
        secret_from(WebSettings(session_secret=SecretStr("short")), tmp_path)


def test_csrf_tokens_are_tied_to_the_session_and_to_the_secret():
    one, other = Sessions(b"k" * 32, WebSettings()), Sessions(b"j" * 32, WebSettings())
    session = Session("sid-1")
    token = one.csrf_token(session)
    assert one.csrf_ok(session, token)
    assert not one.csrf_ok(Session("sid-2"), token) and not other.csrf_ok(session, token)
    assert not one.csrf_ok(None, token) and not one.csrf_ok(session, None) and not one.csrf_ok(session, ["x"])


def _request(**query: str) -> SimpleNamespace:
    return SimpleNamespace(query_params=query)


def test_times_come_from_the_url_a_known_at_without_zone_is_the_bureaus_and_bad_values_are_reported():
    today = date(2026, 10, 1)
    at = when(_request(), today)
    assert at.as_of == today and not at.as_of_given and at.query() == {} and at.error is None
    at = when(_request(as_of="2026-09-01", known_at="2026-09-02T18:00"), today)
    assert at.as_of == date(2026, 9, 1)
    assert at.known_at == datetime(2026, 9, 2, 10, 0, tzinfo=UTC)
    assert at.query() == {"as_of": "2026-09-01", "known_at": "2026-09-02T18:00"}
    at = when(_request(as_of="2026-02-30", known_at="0001-01-01T00:00"), today)
    assert at.as_of == today and not at.known_at_given and "统计日期" in at.error and "数据截至" in at.error


def test_an_act_is_late_by_the_bureaus_days_between_when_it_happened_and_when_it_was_recorded():
    assert days_late(date(2026, 9, 1), datetime(2026, 9, 1, 15, 59, tzinfo=UTC)) == 0  # 23:59 in UTC+8
    assert days_late(date(2026, 9, 1), datetime(2026, 9, 1, 16, 0, tzinfo=UTC)) == 1
    assert days_late(date(2026, 9, 10), datetime(2026, 9, 1, tzinfo=UTC)) == 0


def test_payloads_are_shown_in_chinese_without_empty_fields():
    lines = dict(payload_lines({"outcome": "violation", "findings": ["unlicensed", "three_no"], "notes": "",
                                "passed": True}))
    assert lines == {"结论": "违法违规", "发现问题": "无证、三无", "是否合格": "是"}


def test_secret_looking_query_parameters_are_redacted_and_others_kept():
    assert redacted_query("token=zj_abc&as_of=2026-09-01") == "token=%5BREDACTED%5D&as_of=2026-09-01"
    for name in ("api_key", "password", "Secret", "session", "csrf_token", "access_token"):
        assert "zj_abc" not in redacted_query(f"{name}=zj_abc")
    assert redacted_query("") == ""
