"""Journeys through the web pages in a real browser (Debian's Chromium) against a real server.

No timing assertions: every wait is for something to appear. Each page a journey visits
is saved as a screenshot under tests/browser/artifacts/.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import openpyxl
import pytest

from application.campaign_settings import load_campaign_settings
from domain.bureau_time import BUREAU_TZ, bureau_today
from projections.campaign_report import campaign_report
from tests.browser.conftest import Server, shoot, sign_in

pytestmark = pytest.mark.browser


def figures_on(page) -> dict[str, str]:
    return {el.get_attribute("data-figure"): el.inner_text().strip() for el in page.query_selector_all("[data-figure]")}


def first_enterprise(page, server: Server) -> None:
    page.goto(f"{server.url}/web/enterprises/{server.first_enterprise}")
    page.wait_for_selector("ol.events")


def test_signing_in_keeps_the_token_out_of_the_page_and_the_url_and_signing_out_ends_the_session(page, context,
                                                                                                   server):
    page.goto(f"{server.url}/")
    assert page.url.startswith(f"{server.url}/web/signin")  # not signed in: to the sign-in page first
    shoot(page, "signin")
    page.fill("#token", server.tokens["李明"])
    page.click("form[action='/web/signin'] button[type=submit]")
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.url == f"{server.url}/"
    assert server.tokens["李明"] not in page.content() and server.tokens["李明"] not in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "zhijian_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert server.tokens["李明"] not in cookie["value"]
    shoot(page, "overview")
    page.click("header button:has-text('退出')")
    page.wait_for_selector("#token")
    page.goto(f"{server.url}/web/enterprises")
    assert page.url.startswith(f"{server.url}/web/signin")


def test_a_past_date_and_moment_redraw_the_figures_as_they_were_known_then(page, server):
    sign_in(page, server, "李明")
    now_figures = figures_on(page)
    today = bureau_today()
    campaign = load_campaign_settings().campaign_for(today)
    start = campaign.phases[0].start  # halfway through the demo's campaign so far, whatever today is
    as_of = start + timedelta(days=max(5, (min(today, campaign.phases[-1].end) - start).days // 2))
    known_at = datetime.combine(as_of + timedelta(days=3), datetime.min.time().replace(hour=18), tzinfo=BUREAU_TZ)
    assert as_of < today
    page.fill("#as_of", as_of.isoformat())  # the picker redraws the page by itself
    page.wait_for_url(re.compile(r"as_of=" + as_of.isoformat()))
    page.fill("#known_at", known_at.strftime("%Y-%m-%dT%H:%M"))
    page.wait_for_url(re.compile(r"known_at=\d"))
    past = figures_on(page)
    expected = campaign_report(server.app.state.views.status, as_of, known_at,
                               load_campaign_settings().campaign_for(as_of))
    assert past["census-registered"] == str(expected["census"]["registered"])
    assert past["rectification-issued"] == str(expected["rectification"]["issued"])
    assert past["rectification-overdue"] == str(expected["rectification"]["overdue"])
    assert past["sampling-samples"] == str(expected["sampling"]["samples"])
    assert past["licensing-holding"] == str(expected["licensing"]["holding"])
    assert past != now_figures  # the demo's campaign looked different halfway through
    assert f"as_of={as_of.isoformat()}" in page.url  # the URL carries both times: the view can be shared
    shoot(page, "overview-past")
    shared = page.url
    page.goto(f"{server.url}/")
    page.goto(shared)
    assert figures_on(page) == past
    assert page.locator("#chart-status-by-town svg rect.mark").count() > 0
    assert page.locator("#chart-orders-by-week svg rect.mark").count() > 0


def test_the_timeline_strikes_through_a_retracted_event_and_says_who_retracted_it_and_why(page, server):
    sign_in(page, server, "李明", then="/web/enterprises")
    shoot(page, "enterprises")
    open_enterprise(page, server, "张记豆腐坊")
    retracted = page.locator("li.event.retracted").first
    retracted.wait_for()
    decoration = retracted.locator(".what").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in decoration
    assert retracted.locator("del").count() > 0
    note = retracted.locator(".retraction-note").inner_text()
    assert "同一次检查重复录入" in note and "李明" in note
    assert page.locator("li.event .late").count() > 0  # the demo enters some acts late: marked
    shoot(page, "enterprise-timeline")


def test_an_inspection_recorded_through_the_form_appears_on_the_timeline(page, server):
    sign_in(page, server, "李明")
    first_enterprise(page, server)
    before = page.locator("li.event").count()
    page.click("#act-inspect summary")
    form = page.locator("form[data-act=inspect]")
    form.locator("select[name=outcome]").select_option("deficient")
    form.locator("input[name=findings][value=incomplete_licenses]").check()
    form.locator("textarea[name=notes]").fill("浏览器测试：现场检查，证照不全")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    assert page.locator("li.event").count() == before + 1
    last = page.locator("li.event").last
    assert last.get_attribute("data-type") == "Inspected"
    assert "浏览器测试：现场检查，证照不全" in last.inner_text() and "李明" in last.inner_text()
    shoot(page, "enterprise-recorded")


def open_enterprise(page, server: Server, name: str) -> None:
    page.goto(f"{server.url}/web/enterprises")
    page.fill("input[name=q]", name)
    page.click("form.filters button[type=submit]")
    page.click(f"table.enterprises a:has-text('{name}')")
    page.wait_for_selector("ol.events")


def test_a_refused_act_shows_the_domains_chinese_reason_beside_the_field(page, server):
    sign_in(page, server, "李明")
    open_enterprise(page, server, "李家豆芽作坊")  # a small workshop, open
    page.click("#act-license summary")
    form = page.locator("form[data-act=license]")
    form.locator("select[name=license_type]").select_option("ccc")  # a small workshop needs a workshop registration
    form.locator("input[name=license_no]").fill("CCC-TEST-1")
    form.locator("input[name=valid_until]").fill("2099-12-31")
    form.locator("button[type=submit]").click()
    error = page.locator("form[data-act=license] [data-field=license_type] p.error")
    error.wait_for()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())  # the reason in Chinese
    assert "小作坊" in error.inner_text() or "类型" in error.inner_text()
    shoot(page, "enterprise-refused")
    page.click("#act-order summary")
    order = page.locator("form[data-act=order]")
    order.locator("input[name=order_no]").fill("浏览器-001")
    order.locator("input[name=deadline]").fill("2000-01-01")
    order.locator("textarea[name=items]").fill("整改一项")
    order.locator("button[type=submit]").click()
    deadline_error = page.locator("form[data-act=order] [data-field=deadline] p.error")
    deadline_error.wait_for()
    assert "期限" in deadline_error.inner_text() or "日期" in deadline_error.inner_text()


def test_an_auditor_sees_no_forms_and_an_inspector_only_the_acts_of_the_role(page, context, server):
    sign_in(page, server, "陈静")
    first_enterprise(page, server)
    assert page.locator("details.act").count() == 0 and page.locator("section.forms").count() == 0
    page.goto(f"{server.url}/web/enterprises")
    assert page.locator("details.act").count() == 0
    page.goto(f"{server.url}/web/accountability")
    page.wait_for_selector("table.officials")
    shoot(page, "accountability")
    context.clear_cookies()
    sign_in(page, server, "王芳")
    first_enterprise(page, server)  # 张记豆腐坊 is in 石桥镇, one of 王芳's towns
    acts = sorted(page.locator("details.act").evaluate_all("els => els.map(e => e.id)"))
    assert acts == ["act-inspect", "act-sample"]


def test_the_campaign_report_downloads_as_an_xlsx_that_opens(page, server, tmp_path):
    sign_in(page, server, "李明")
    with page.expect_download() as download:
        page.click("a:has-text('情况总结 XLSX')")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    assert len(book.sheetnames) > 3
    cells = [str(c) for sheet in book.worksheets[:2] for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("专项整治" in c for c in cells)
    page.goto(f"{server.url}/web/lists/disclosure")
    page.wait_for_selector("table.report-list")
    shoot(page, "disclosure")


@pytest.mark.postgres
def test_on_postgresql_an_official_signs_in_records_an_inspection_and_sees_it_and_the_overview(page, pg_web_server):
    server = pg_web_server
    sign_in(page, server, "李明")
    assert page.locator("[data-figure=census-registered]").inner_text() == "36"
    first_enterprise(page, server)
    page.click("#act-inspect summary")
    form = page.locator("form[data-act=inspect]")
    form.locator("select[name=outcome]").select_option("compliant")
    form.locator("textarea[name=notes]").fill("PostgreSQL 上的网页记录")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    assert "PostgreSQL 上的网页记录" in page.locator("li.event").last.inner_text()
    shoot(page, "postgres-enterprise-recorded")

