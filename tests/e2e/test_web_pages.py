"""The web pages over HTTP (no browser): sessions, CSRF, who sees which forms, every act through its form,
escaping, security headers, the overview's figures against the API's report, downloads."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest

from domain.actor import SYSTEM
from interfaces.web import enterprise_pages
from interfaces.web.auth_pages import safe_next
from interfaces.web.security import CSP
from interfaces.web.session import COOKIE, Session
from seeding.demo import seed_demo
from tests.e2e.conftest import ENTERPRISE, TODAY, TestClient, bearer, make_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/web/signin") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, path
    return match.group(1)


def sign_in(client: TestClient, token: str) -> None:
    r = client.post("/web/signin", data={"csrf_token": csrf_of(client), "token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text


def errors_in(html: str) -> list[str]:
    return re.findall(r'<p class="error[^"]*" role="alert">([^<]*)</p>', html)


@pytest.fixture
def web(app, ledger):
    """(client, tokens by role) on the parametrised store."""
    tokens = {}
    for role, towns, name in (("supervisor", (), "李明"), ("inspector", ("石桥镇",), "王芳"),
                              ("inspector", ("河口镇",), "张伟"), ("auditor", (), "陈静")):
        tokens[name] = ledger.appoint_official(by=SYSTEM, today=TODAY, name=name, unit="质监局", role=role,
                                               towns=towns).token
    with TestClient(app) as client:
        yield client, tokens


def register(client: TestClient, token: str, **fields: Any) -> str:
    r = client.post("/enterprises", json={**ENTERPRISE, **fields}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return str(r.json()["enterprise_id"])


def post_form(client: TestClient, path: str, page: str, data: dict[str, Any]):
    html = client.get(page).text
    return client.post(path, data={"csrf_token": CSRF.search(html).group(1), **data}, follow_redirects=False)


# -- sessions -------------------------------------------------------------------------------


def test_a_page_asks_to_sign_in_first_and_then_returns_to_where_it_was_asked_for(web):
    client, tokens = web
    r = client.get("/web/accountability?as_of=2026-09-01", follow_redirects=False)
    assert r.status_code == 303
    target = parse_qs(urlsplit(r.headers["location"]).query)["next"][0]
    assert target == "/web/accountability?as_of=2026-09-01"
    r = client.post("/web/signin", data={"csrf_token": csrf_of(client), "token": tokens["李明"], "next": target},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == target


def test_the_session_cookie_is_httponly_samesite_strict_and_holds_no_token(web):
    client, tokens = web
    r = client.post("/web/signin", data={"csrf_token": csrf_of(client), "token": tokens["李明"]},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert tokens["李明"] not in cookie
    page = client.get("/").text
    assert tokens["李明"] not in page and "李明" in page


def test_a_wrong_token_is_refused_in_chinese_and_signs_nobody_in(web):
    client, _ = web
    r = client.post("/web/signin", data={"csrf_token": csrf_of(client), "token": "zj_not-a-token"},
                    follow_redirects=False)
    assert r.status_code == 401 and "令牌无效" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_token_or_deactivating_the_official_ends_the_session_at_once(web, ledger):
    client, tokens = web
    sign_in(client, tokens["李明"])
    assert client.get("/", follow_redirects=False).status_code == 200
    official = ledger.authenticate(tokens["李明"]).id
    ledger.revoke_token(official, tokens["李明"], by=SYSTEM, today=TODAY)
    assert client.get("/", follow_redirects=False).status_code == 303
    sign_in(client, tokens["陈静"])
    ledger.deactivate_official(ledger.authenticate(tokens["陈静"]).id, by=SYSTEM, today=TODAY)
    assert client.get("/web/enterprises", follow_redirects=False).status_code == 303


def test_a_tampered_or_expired_session_cookie_signs_nobody_in(web, app, ledger):
    client, tokens = web
    sign_in(client, tokens["李明"])
    value = client.cookies[COOKIE]
    client.cookies.set(COOKIE, value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb"))
    assert client.get("/", follow_redirects=False).status_code == 303
    caller = ledger.authenticate(tokens["李明"])
    from starlette.responses import Response

    from domain.official import hash_token

    expired = Session("sid-1", caller.id, hash_token(tokens["李明"]), time.time() - 1)
    response = Response()
    app.state.web_sessions.write(response, type("R", (), {"url": urlsplit("http://testserver/")})(), expired)
    client.cookies.set(COOKIE, response.headers["set-cookie"].split(";")[0].split("=", 1)[1])
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session(web):
    client, tokens = web
    sign_in(client, tokens["李明"])
    r = post_form(client, "/web/signout", "/", {})
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_after_signing_in_only_a_path_on_this_site_is_followed():
    assert safe_next("/web/enterprises?town=石桥镇") == "/web/enterprises?town=石桥镇"
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", None, "/a\r\nb"):
        assert safe_next(bad) == "/"


# -- CSRF -------------------------------------------------------------------------------------


def test_every_form_that_writes_is_refused_without_the_sessions_csrf_token(web, ledger):
    client, tokens = web
    enterprise = register(client, tokens["李明"])
    r = client.post("/web/signin", data={"token": tokens["李明"]}, follow_redirects=False)
    assert r.status_code == 403  # sign-in too
    sign_in(client, tokens["李明"])
    before = len(ledger.history(UUID(enterprise)))
    form = {"occurred_on": "2026-09-01", "outcome": "compliant"}
    for token in (None, "", "0" * 64):
        data = form if token is None else {**form, "csrf_token": token}
        r = client.post(f"/web/enterprises/{enterprise}/inspect", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/web/enterprises", data={"name": "某厂", "town": "石桥镇", "area": "rural", "kind": "sales_point",
                                             "occurred_on": "2026-09-01"}, follow_redirects=False)
    assert r.status_code == 403
    assert client.post("/web/signout", data={}, follow_redirects=False).status_code == 403
    assert len(ledger.history(UUID(enterprise))) == before


def test_a_csrf_token_from_another_session_is_refused(web, app):
    client, tokens = web
    other = TestClient(app)  # a second browser on the same running app (its lifespan is the first client's)
    sign_in(other, tokens["李明"])
    foreign = csrf_of(other, "/")
    sign_in(client, tokens["李明"])
    assert csrf_of(client, "/") != foreign
    enterprise = register(client, tokens["李明"])
    r = client.post(f"/web/enterprises/{enterprise}/inspect",
                    data={"csrf_token": foreign, "occurred_on": "2026-09-01", "outcome": "compliant"},
                    follow_redirects=False)
    assert r.status_code == 403


# -- forms ----------------------------------------------------------------------------------


def forms_on(html: str) -> list[str]:
    return re.findall(r'<details class="act" id="act-([a-z]+)"', html)


def test_forms_are_shown_only_to_roles_and_towns_that_may_record_the_act(web):
    client, tokens = web
    enterprise = register(client, tokens["李明"])  # in 石桥镇
    expected = {"李明": ["inspect", "order", "verify", "license", "review", "sample", "close", "retract"],
                "王芳": ["inspect", "sample"], "张伟": [], "陈静": []}
    for name, acts in expected.items():
        client.cookies.clear()
        sign_in(client, tokens[name])
        html = client.get(f"/web/enterprises/{enterprise}").text
        assert forms_on(html) == acts, name
        assert ('<details class="act" id="act-register"' in client.get("/web/enterprises").text) == \
            (name in ("李明", "王芳", "张伟")), name


def test_every_act_recorded_through_its_form_lands_in_the_audit_trail(web, ledger):
    client, tokens = web
    sign_in(client, tokens["李明"])
    r = post_form(client, "/web/enterprises", "/web/enterprises", {
        "name": "网页登记豆腐坊", "town": "石桥镇", "area": "rural", "kind": "small_workshop",
        "occurred_on": "2026-08-05", "product_categories": ["bean_products"], "address": "石桥镇北街1号"})
    assert r.status_code == 303, errors_in(r.text)
    enterprise = urlsplit(r.headers["location"]).path.rsplit("/", 1)[1]
    page = f"/web/enterprises/{enterprise}"
    acts = [
        ("inspect", {"occurred_on": "2026-08-06", "outcome": "violation", "findings": ["unlicensed", "three_no"],
                     "notes": "无证"}),
        ("order", {"occurred_on": "2026-08-06", "order_no": "ZG-1", "deadline": "2026-09-06",
                   "items": "办理登记\n改善卫生\n"}),
        ("verify", {"order_no": "ZG-1", "occurred_on": "2026-08-20", "passed": "true"}),
        ("license", {"occurred_on": "2026-08-21", "license_type": "workshop_registration", "license_no": "XZF-1",
                     "valid_until": "2029-08-20"}),
        ("review", {"license_no": "XZF-1", "occurred_on": "2026-09-01", "year": "2026", "passed": "true"}),
        ("sample", {"occurred_on": "2026-09-02", "sample_no": "CJ-1", "product_category": "bean_products",
                    "result": "fail", "failed_items": "苯甲酸\n", "product": "豆腐", "lab": "市所"}),
        ("retract", {"event_version": "7", "reason": "样品编号录错"}),
        ("close", {"occurred_on": "2026-09-10", "reason": "voluntary", "decision_no": "关〔2026〕1号"}),
    ]
    for act, data in acts:
        r = post_form(client, f"{page}/{act}", page, data)
        assert r.status_code == 303, (act, errors_in(r.text))
    history = ledger.history(UUID(enterprise))
    assert [h.type for h in history] == ["Registered", "Inspected", "OrderedToRectify", "RectificationVerified",
                                         "Licensed", "LicenseReviewed", "SampleFailed", "Retracted", "Closed"]
    assert sorted(history[1].payload["findings"]) == ["three_no", "unlicensed"]
    assert history[2].payload["items"] == ["办理登记", "改善卫生"]
    assert history[6].retracted is not None and history[6].retracted.reason == "样品编号录错"
    assert {h.actor.name for h in history} == {"李明"}
    html = client.get(page).text
    assert html.count('class="event retracted"') == 1 and "样品编号录错" in html


def test_a_refusal_is_shown_beside_its_field_in_chinese_and_records_nothing(web, ledger):
    client, tokens = web
    enterprise = register(client, tokens["李明"])
    sign_in(client, tokens["李明"])
    page = f"/web/enterprises/{enterprise}"
    cases = [
        ("license", {"occurred_on": "2026-08-21", "license_type": "ccc", "license_no": "X-1",
                     "valid_until": "2029-01-01"}, "license_type", 409),
        ("inspect", {"occurred_on": "2026-12-25", "outcome": "compliant"}, "occurred_on", 422),
        ("inspect", {"occurred_on": "2026-08-10", "outcome": "violation"}, "findings", 422),
        ("order", {"occurred_on": "2026-08-10", "order_no": "Z-1", "deadline": "2026-08-01", "items": "一项"},
         "deadline", 422),
        ("order", {"occurred_on": "not a date", "order_no": "Z-1", "deadline": "2026-09-01", "items": "一项"},
         "occurred_on", 422),
        ("sample", {"occurred_on": "2026-08-10", "product_category": "bean_products", "result": "pass"},
         "sample_no", 422),
    ]
    for act, data, field, status in cases:
        r = post_form(client, f"{page}/{act}", page, data)
        assert r.status_code == status, (act, r.text[-500:])
        form = re.search(rf'<details class="act" id="act-{act}" open>(.*?)</details>', r.text, re.S)
        assert form, act  # the form stays open, with what was typed
        block = re.search(rf'data-field="{field}">(.*?)</div>', form.group(1), re.S)
        assert block and re.search(r'class="error"[^>]*>[^<]*[\u4e00-\u9fff]', block.group(1)), (act, field)
    assert len(ledger.history(UUID(enterprise))) == 1


def test_an_act_outside_the_officials_powers_is_refused_by_the_ledger_even_when_posted_by_hand(web, ledger):
    client, tokens = web
    enterprise = register(client, tokens["李明"])
    sign_in(client, tokens["王芳"])  # an inspector: no orders
    r = post_form(client, f"/web/enterprises/{enterprise}/order", f"/web/enterprises/{enterprise}",
                  {"occurred_on": "2026-08-10", "order_no": "Z-1", "deadline": "2026-09-01", "items": "一项"})
    assert r.status_code == 403 and any("无权" in e for e in errors_in(r.text))
    assert len(ledger.history(UUID(enterprise))) == 1
    client.cookies.clear()
    sign_in(client, tokens["陈静"])  # an auditor: records nothing
    r = post_form(client, "/web/enterprises", "/web/enterprises", {
        "name": "某厂", "town": "石桥镇", "area": "rural", "kind": "sales_point", "occurred_on": "2026-09-01"})
    assert r.status_code == 403 and any("无权" in e for e in errors_in(r.text))


def test_a_form_posted_twice_records_once(web, ledger):
    client, tokens = web
    enterprise = register(client, tokens["李明"])
    sign_in(client, tokens["李明"])
    page = client.get(f"/web/enterprises/{enterprise}").text
    data = {"csrf_token": CSRF.search(page).group(1), "form_key": FORM_KEY.search(page).group(1),
            "occurred_on": "2026-09-01", "outcome": "compliant"}
    first = client.post(f"/web/enterprises/{enterprise}/inspect", data=data, follow_redirects=False)
    again = client.post(f"/web/enterprises/{enterprise}/inspect", data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert [h.type for h in ledger.history(UUID(enterprise))] == ["Registered", "Inspected"]


# -- what pages show ----------------------------------------------------------------------


def test_names_typed_in_the_field_are_escaped_everywhere(web):
    client, tokens = web
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    enterprise = register(client, tokens["李明"], name=name, town='石桥镇<b>')
    sign_in(client, tokens["李明"])
    for path in (f"/web/enterprises/{enterprise}", "/web/enterprises", "/"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "石桥镇<b>" not in html, path
    assert "&lt;script&gt;alert" in client.get(f"/web/enterprises/{enterprise}").text


def test_html_answers_carry_a_csp_without_inline_script_and_no_page_has_inline_script_or_style(web):
    client, tokens = web
    enterprise = register(client, tokens["李明"])
    sign_in(client, tokens["李明"])
    for path in ("/", "/web/enterprises", f"/web/enterprises/{enterprise}", "/web/accountability",
                 "/web/lists/disclosure", "/web/signin"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", r.text), path
    script_src = next(d for d in CSP.split("; ") if d.startswith("script-src"))
    assert script_src == "script-src 'self'" and "frame-ancestors 'none'" in CSP
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


def test_the_printable_reports_inline_style_is_allowed_by_its_hash(web):
    import base64
    import hashlib

    client, tokens = web
    r = client.get("/reports/campaign?format=html", headers=bearer(tokens["李明"]))
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in r.headers["content-security-policy"]


def seed_demo_and_catch_up(client: TestClient, ledger: Any, token: str) -> None:
    """Seeds the demo, then waits (through `after=`) until both views hold it: pages read the views as they are."""
    seed_demo(ledger, TODAY)
    last = ledger.recorder.max_notification_id()
    for report in ("status", "accountability"):
        r = client.get(f"/reports/{report}", params={"after": last}, headers=bearer(token))
        assert r.status_code == 200, r.text


def test_the_overview_shows_the_campaign_reports_figures_at_the_chosen_times(web, ledger):
    client, tokens = web
    seed_demo_and_catch_up(client, ledger, tokens["李明"])
    sign_in(client, tokens["李明"])
    for query in ("", "as_of=2026-09-10", "as_of=2026-09-10&known_at=2026-09-12T18:00"):
        html = client.get(f"/?{query}").text
        api = client.get(f"/reports/campaign?{query}", headers=bearer(tokens["李明"])).json()
        shown = dict(re.findall(r'data-figure="([a-z_-]+)">([^<]*)<', html))
        assert shown["census-registered"] == str(api["census"]["registered"]), query
        assert shown["rectification-issued"] == str(api["rectification"]["issued"]), query
        assert shown["rectification-overdue"] == str(api["rectification"]["overdue"]), query
        assert shown["review-due"] == str(api["annual_review"]["due"]), query
        assert shown["sampling-failed"] == str(api["sampling"]["failed"]), query
        assert shown["disclosure-total"] == str(api["disclosure"]["total"]), query
        assert html.count('<svg class="chart"') >= 3
    html = client.get("/?as_of=2026-09-10&known_at=2026-09-12T18:00").text
    assert 'value="2026-09-10"' in html and 'value="2026-09-12T18:00"' in html  # the pickers show the URL's times
    assert 'as_of=2026-09-10&amp;known_at=2026-09-12T18%3A00' in html  # links and downloads carry them on


def test_an_unreadable_date_is_reported_on_the_page_not_as_a_server_error(web):
    client, tokens = web
    sign_in(client, tokens["李明"])
    for query in ("as_of=yesterday", "as_of=0001-01-01", "known_at=soon", "as_of=2026-13-40"):
        r = client.get(f"/?{query}")
        assert r.status_code == 200 and "格式应为" in r.text, query
    assert client.get("/web/enterprises?offset=abc&kind=nonsense&status=x").status_code == 200


def test_the_enterprise_list_filters_and_pages(web, ledger):
    client, tokens = web
    seed_demo_and_catch_up(client, ledger, tokens["李明"])
    sign_in(client, tokens["李明"])

    def total(query: str) -> int:
        return int(re.search(r'data-figure="enterprises-total">(\d+)<', client.get(f"/web/enterprises?{query}").text)
                   .group(1))

    everyone = total("")
    assert everyone == 36
    assert 0 < total("town=石桥镇") < everyone
    assert 0 < total("kind=small_workshop") < everyone
    assert total("q=豆腐") >= 2 and total("q=没有这种名字") == 0
    assert total("status=closed&as_of=2026-08-20") <= total("status=closed")
    html = client.get("/web/enterprises?q=张记豆腐坊").text
    assert "张记豆腐坊" in html and "鲜达水产品店" not in html


def test_a_long_timeline_is_shown_a_page_at_a_time_with_a_link_to_the_next(web, monkeypatch):
    client, tokens = web
    monkeypatch.setattr(enterprise_pages, "TIMELINE_ROWS", 3)
    eid = register(client, tokens["李明"], name="长记录豆腐坊")
    for n in range(6):  # versions 2..7
        r = client.post(f"/enterprises/{eid}/inspections", json={"occurred_on": "2026-08-09", "outcome": "compliant",
                                                                  "notes": f"第{n}次"}, headers=bearer(tokens["李明"]))
        assert r.status_code == 201, r.text
    sign_in(client, tokens["李明"])

    def versions(html: str) -> list[int]:
        return [int(v) for v in re.findall(r'<li id="v\d+" class="event[^"]*" data-version="(\d+)"', html)]

    first = client.get(f"/web/enterprises/{eid}").text
    assert versions(first) == [1, 2, 3] and "共 7 条" in first and "长记录豆腐坊" in first
    link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(link).text
    assert versions(second) == [4, 5, 6] and "长记录豆腐坊" in second  # the heading still from registration
    third = client.get(re.search(r'<a rel="next" href="([^"]+)"', second).group(1).replace("&amp;", "&")).text
    assert versions(third) == [7] and 'rel="next"' not in third


def test_an_unknown_enterprise_or_list_is_a_404_page(web):
    client, tokens = web
    sign_in(client, tokens["李明"])
    assert client.get("/web/enterprises/6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10").status_code == 404
    assert client.get("/web/lists/nothing").status_code == 404
    assert client.get("/web/reports/campaign.pdf").status_code == 404


def test_the_accountability_page_shows_each_officials_acts_late_entries_and_each_towns_officials(web, ledger):
    client, tokens = web
    seed_demo_and_catch_up(client, ledger, tokens["李明"])
    sign_in(client, tokens["陈静"])
    html = client.get("/web/accountability").text
    for name in ("李明", "王芳", "赵强"):
        assert name in html
    assert "石桥镇" in html and "迟录" in html and "逾期未整改" in html


@pytest.mark.parametrize("fmt, media", [("xlsx", "spreadsheetml"), ("html", "text/html"), ("csv", "text/csv")])
def test_the_report_downloads_as_an_attachment_at_the_pages_times(web, ledger, fmt, media):
    client, tokens = web
    seed_demo_and_catch_up(client, ledger, tokens["李明"])
    sign_in(client, tokens["李明"])
    r = client.get(f"/web/reports/campaign.{fmt}?as_of=2026-09-10")
    assert r.status_code == 200 and media in r.headers["content-type"]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment") and "2026-09-10" in disposition
    if fmt == "xlsx":
        import io

        import openpyxl

        assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames


def test_the_pages_are_not_in_the_api_schema(web):
    client, _ = web
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith(("/web", "/static", "/metrics"))]


def test_static_assets_are_served_from_the_package(web):
    client, _ = web
    assert client.get("/static/style.css").status_code == 200
    script_type = client.get("/static/app.js").headers["content-type"]
    assert script_type.startswith(("text/javascript", "application/javascript"))


def test_a_second_app_on_the_same_data_folder_accepts_the_first_ones_sessions(web, settings, ledger):
    client, tokens = web
    sign_in(client, tokens["李明"])
    second = make_app(settings)
    with TestClient(second) as other:
        other.cookies.set(COOKIE, client.cookies[COOKIE])
        assert other.get("/", follow_redirects=False).status_code == 200


