"""The campaign report archived at final (as_of, known_at) pairs and served as kept, over HTTP on each store.

The campaign is test_campaign_http's (three enterprises, recorded through the API). Its
answer at (2026-09-30, the moment its last event was recorded) is computed live first,
then archived with a clock FINAL_AFTER later (the pair is then final), then asked for
again: the archived answer must be the computed one, byte for byte (XLSX: cell for cell,
XlsxWriter stamps each workbook with its creation time).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from application.campaign_settings import load_campaign_settings
from interfaces.report_archive import ARCHIVED_HEADER, FINAL_AFTER, NotFinal, definition, end_of_day
from interfaces.report_archiving import archive_reports
from interfaces.report_formats import render
from projections.campaign_report import open_campaign_report
from projections.report_archive import ReportArchive
from tests.e2e.test_campaign_http import campaign  # noqa: F401 - the fixture
from tests.e2e.test_web_pages import sign_in
from tests.integration.projection_support import caught_up, wait_until

AS_OF = date(2026, 9, 30)
FORMATS = ("json", "html", "csv", "xlsx")


def _rules(app):
    return (getattr(app.state, "campaign_settings", None) or load_campaign_settings(None)).campaign_for


def _ask(client, chief, known_at: datetime, fmt: str, after: int = 0, **headers):
    """The report at (AS_OF, known_at); `after`: once the views have processed that position."""
    answer = client.get("/reports/campaign", params={"as_of": AS_OF.isoformat(), "known_at": known_at.isoformat(),
                                                     "format": fmt, "after": after}, headers={**chief, **headers})
    assert answer.status_code == 200, answer.text
    return answer


def _cells(xlsx: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(xlsx))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def _archive(app, known_at: datetime, formats=FORMATS, reports=("campaign",)):
    wait_until(caught_up(app.state.views, app.state.views.log.last_position()), what="the views catching up")
    return archive_reports(app.state.views, _rules(app), [(AS_OF, known_at)], formats, now=known_at + FINAL_AFTER,
                           reports=reports)


def test_an_archived_answer_is_the_computed_one_sent_as_kept(app, client, chief, campaign):
    known_at = datetime.fromisoformat(campaign["last_recorded_at"])
    computed = {fmt: _ask(client, chief, known_at, fmt, campaign["after"]) for fmt in FORMATS}
    assert not any(ARCHIVED_HEADER in a.headers for a in computed.values())
    assert computed["json"].json()["census"]["registered"] == 3

    made = _archive(app, known_at)
    assert sorted(m.format for m in made) == sorted(FORMATS)
    kept = {fmt: _ask(client, chief, known_at, fmt) for fmt in FORMATS}
    assert all(ARCHIVED_HEADER in a.headers for a in kept.values())
    for fmt in ("json", "html", "csv"):
        assert kept[fmt].content == computed[fmt].content, fmt
        assert kept[fmt].headers["content-type"] == computed[fmt].headers["content-type"]
    assert _cells(kept["xlsx"].content) == _cells(computed["xlsx"].content)
    assert kept["xlsx"].headers["content-disposition"] == computed["xlsx"].headers["content-disposition"]
    for fmt in FORMATS:  # each carries the SHA-256 of the answer itself (RFC 9530), whatever its coding
        digest = base64.b64encode(hashlib.sha256(kept[fmt].content).digest()).decode()
        assert kept[fmt].headers["repr-digest"] == f"sha-256=:{digest}:", fmt
    # Text is kept compressed and sent so to a client that takes gzip, decompressed to one that does not.
    assert kept["json"].headers["content-encoding"] == "gzip"
    plain = _ask(client, chief, known_at, "json", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == computed["json"].content
    # A second run keeps what is kept.
    assert _archive(app, known_at) == []


def test_the_kept_answer_is_what_is_read_and_only_for_its_pair_page_and_rules(app, client, chief, campaign):
    known_at = datetime.fromisoformat(campaign["last_recorded_at"])
    _archive(app, known_at, ("json",))
    archive = ReportArchive(app.state.views.status.recorder)
    key = definition(_rules(app)(AS_OF))
    kept = archive.find(AS_OF, known_at, "json", key)
    assert kept is not None and gzip.decompress(kept.body).startswith(b"{")
    # Tampered with in the table, the answer sent is the tampered one: it is read, not computed.
    marked = gzip.compress(b'{"archived": true}')
    with app.state.views.status.recorder.write() as tx:
        tx.execute("UPDATE report_archive SET body = %s WHERE format = 'json'", (marked,))
    assert _ask(client, chief, known_at, "json").json() == {"archived": True}
    # The same instant written in another zone is another answer (it repeats known_at as written): computed.
    elsewhere = _ask(client, chief, known_at.astimezone(datetime.fromisoformat("2026-01-01T00:00-05:00").tzinfo),
                     "json", campaign["after"])
    assert ARCHIVED_HEADER not in elsewhere.headers and elsewhere.json()["known_at"].endswith("-05:00")
    # Another moment, another page, or other campaign rules: computed.
    later = _ask(client, chief, known_at + timedelta(microseconds=1), "json", campaign["after"])
    assert ARCHIVED_HEADER not in later.headers and later.json()["census"]["registered"] == 3
    paged = client.get("/reports/campaign", params={"as_of": AS_OF.isoformat(), "known_at": known_at.isoformat(),
                                                    "limit": 10, "after": campaign["after"]}, headers=chief)
    assert ARCHIVED_HEADER not in paged.headers and paged.json()["census"]["registered"] == 3
    settings = load_campaign_settings(None)
    app.state.campaign_settings = replace(settings, review_target=0.8)
    other = _ask(client, chief, known_at, "json", campaign["after"])
    assert ARCHIVED_HEADER not in other.headers and other.json()["annual_review"]["target"] == 0.8


def test_a_late_entry_recorded_after_archiving_leaves_the_kept_answer_right(app, client, chief, campaign):
    known_at = datetime.fromisoformat(campaign["last_recorded_at"])
    _archive(app, known_at, ("json",))
    before = _ask(client, chief, known_at, "json").json()
    water = next(i for i in before["disclosure"]["items"] if i["name"] == "清泉桶装水厂")["enterprise_id"]
    late = client.post(f"/enterprises/{water}/inspections", headers=chief,
                       json={"occurred_on": "2026-09-15", "outcome": "violation", "findings": ["unlicensed"]})
    assert late.status_code == 201, late.text
    now = client.get("/reports/campaign", headers=chief,
                     params={"as_of": AS_OF.isoformat(), "after": late.json()["position"]}).json()
    assert now["disclosure"]["total"] == before["disclosure"]["total"] + 1  # the late entry counts as known now
    kept = _ask(client, chief, known_at, "json")
    assert ARCHIVED_HEADER in kept.headers and kept.json() == before
    with open_campaign_report(app.state.views.status, AS_OF, known_at, _rules(app)(AS_OF)) as figures:
        assert kept.content == render(figures, "json", limit=50, offset=0)  # computed again, after the late entry


def test_an_answer_that_can_still_change_is_not_archived(app, client, chief, campaign):
    known_at = datetime.fromisoformat(campaign["last_recorded_at"])
    wait_until(caught_up(app.state.views, campaign["after"]), what="the views catching up")
    with pytest.raises(NotFinal, match="known_at"):
        archive_reports(app.state.views, _rules(app), [(AS_OF, known_at)], ("json",),
                         now=known_at + FINAL_AFTER - timedelta(microseconds=1))
    assert ARCHIVED_HEADER not in _ask(client, chief, known_at, "json").headers


def test_the_pages_offer_the_day_as_known_at_its_end_and_download_it_as_kept(app, client, chief, campaign):
    day_end = end_of_day(AS_OF)  # 2026-10-01 00:00 in the bureau: nothing was recorded yet (the events are newer)
    wait_until(caught_up(app.state.views, campaign["after"]), what="the views catching up")
    archive_reports(app.state.views, _rules(app), [(AS_OF, day_end)], ("html",))
    sign_in(client, chief["Authorization"].removeprefix("Bearer "))
    page = client.get("/", params={"as_of": AS_OF.isoformat()}).text
    assert 'href="/?as_of=2026-09-30&amp;known_at=2026-10-01T00%3A00"' in page and "当日所知" in page
    download = client.get("/web/reports/campaign.html", params={"as_of": AS_OF.isoformat(),
                                                                "known_at": "2026-10-01T00:00"})
    assert download.status_code == 200 and ARCHIVED_HEADER in download.headers
    assert download.headers["content-disposition"] == 'attachment; filename="campaign-report-2026-09-30.html"'
    with open_campaign_report(app.state.views.status, AS_OF, day_end, _rules(app)(AS_OF)) as figures:
        assert download.content == render(figures, "html")


def test_the_status_and_accountability_reports_are_kept_too(app, client, chief, campaign):
    known_at = datetime.fromisoformat(campaign["last_recorded_at"])
    params = {"as_of": AS_OF.isoformat(), "known_at": known_at.isoformat(), "after": campaign["after"]}
    paths = ("/reports/status", "/reports/accountability")
    computed = {p: client.get(p, params=params, headers=chief) for p in paths}
    assert computed["/reports/status"].json()["total"] == 3
    assert computed["/reports/accountability"].json()["overdue_orders"]["total"] == 1  # O1, deadline 09-10
    made = _archive(app, known_at, ("json", "html"), ("status", "accountability"))
    assert sorted((m.report, m.format) for m in made) == [("accountability", "json"), ("status", "json")]
    for path in paths:
        kept = client.get(path, params=params, headers=chief)
        assert ARCHIVED_HEADER not in computed[path].headers and ARCHIVED_HEADER in kept.headers, path
        assert kept.content == computed[path].content, path
        assert kept.headers["content-type"] == computed[path].headers["content-type"] == "application/json"
    paged = client.get("/reports/accountability", params={**params, "limit": 1}, headers=chief)
    assert ARCHIVED_HEADER not in paged.headers and paged.json()["overdue_orders"]["limit"] == 1


def test_without_the_archive_table_the_reports_are_computed(app, client, chief, campaign):
    """A store upgraded by a version whose `db init` has not run yet (the service may not create tables)."""
    with app.state.views.status.recorder.write() as tx:
        tx.execute("DROP TABLE report_archive")
    params = {"as_of": AS_OF.isoformat(), "after": campaign["after"]}
    for path in ("/reports/campaign", "/reports/status", "/reports/accountability"):
        answer = client.get(path, params=params, headers=chief)
        assert answer.status_code == 200 and ARCHIVED_HEADER not in answer.headers, (path, answer.text)
