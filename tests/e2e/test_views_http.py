"""The read endpoints over HTTP: answered from the views, at (as_of, known_at), after a position."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from application.campaign_settings import load_campaign_settings
from tests.e2e.conftest import ENTERPRISE, register


def post(client, auth, path, body):
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_enterprise_list_filters_by_town_kind_status_and_name_and_pages(client, chief):
    a = register(client, chief, name="张记豆腐坊")
    register(client, chief, name="河口水产", town="河口镇", kind="food_producer")
    order = post(client, chief, f"/enterprises/{a}/rectification-orders",
                 {"occurred_on": "2026-08-10", "order_no": "SQ-1", "deadline": "2026-08-30", "items": ["卫生"]})
    listed = client.get("/enterprises", params={"after": order["position"]}, headers=chief).json()
    assert listed["total"] == 2 and len(listed["items"]) == 2
    overdue = client.get("/enterprises", params={"status": "overdue"}, headers=chief).json()
    assert [e["id"] for e in overdue["items"]] == [a]
    assert overdue["items"][0]["open_orders"] == [{"order_no": "SQ-1", "deadline": "2026-08-30", "overdue": True}]
    assert client.get("/enterprises", params={"town": "河口镇"}, headers=chief).json()["total"] == 1
    assert client.get("/enterprises", params={"kind": "food_producer"}, headers=chief).json()["total"] == 1
    assert client.get("/enterprises", params={"q": "豆腐"}, headers=chief).json()["total"] == 1
    page = client.get("/enterprises", params={"limit": 1, "offset": 1}, headers=chief).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (2, 1, 1, 1)


def test_as_of_answers_for_a_past_date_and_known_at_for_what_was_recorded_then(client, chief):
    e = register(client, chief)
    first = post(client, chief, f"/enterprises/{e}/rectification-orders",
                 {"occurred_on": "2026-08-10", "order_no": "SQ-1", "deadline": "2026-08-30", "items": ["卫生"]})
    undo = post(client, chief, f"/enterprises/{e}/retractions", {"event_version": 2, "reason": "录入错误"})
    path = f"/enterprises/{e}"
    assert client.get(path, headers=chief).json()["status"] == "registered"
    before_undo = (datetime.fromisoformat(undo["recorded_at"]) - timedelta(microseconds=1)).isoformat()
    then = client.get(path, params={"known_at": before_undo}, headers=chief).json()
    assert then["status"] == "overdue" and then["version"] == 2
    on_the_20th = client.get(path, params={"known_at": before_undo, "as_of": "2026-08-20"}, headers=chief).json()
    assert on_the_20th["status"] == "under_rectification" and on_the_20th["as_of"] == "2026-08-20"
    before_registration = client.get(path, params={"as_of": "2026-08-01"}, headers=chief)
    assert before_registration.status_code == 404
    assert first["position"] < undo["position"]


def test_reports_count_by_status_town_and_kind_and_name_the_accountable(client, chief, appoint):
    inspector = appoint("inspector", towns=("石桥镇",), name="赵强")
    appoint("auditor", name="陈静")
    e = register(client, chief)
    post(client, inspector, f"/enterprises/{e}/inspections", {"occurred_on": "2026-08-09", "outcome": "compliant"})
    last = post(client, inspector, f"/enterprises/{e}/samples",
                {"occurred_on": "2026-09-03", "sample_no": "CJ-1", "product_category": "bean_products",
                 "result": "fail", "failed_items": ["苯甲酸"]})
    status = client.get("/reports/status", params={"after": last["position"]}, headers=chief).json()
    assert status["total"] == 1 and status["by_town"] == {"石桥镇": {"registered": 1}}
    report = client.get("/reports/accountability", params={"after": last["position"]}, headers=chief).json()
    assert (report["compliant_then_failed"]["total"], report["overdue_orders"]["total"]) == (1, 0)
    [finding] = report["compliant_then_failed"]["items"]
    assert finding["enterprise_id"] == e and finding["days_between"] == 25 and finding["sample_no"] == "CJ-1"
    inspector_id = finding["inspector_id"]
    # the window is the campaign file's: 25 days apart is outside a 20-day window, inside a 25-day one
    for days, expected in ((20, 0), (25, 1)):
        client.app.state.campaign_settings = replace(load_campaign_settings(), compliant_then_failed_days=days)
        narrowed = client.get("/reports/accountability", headers=chief).json()
        assert narrowed["compliant_then_failed"]["total"] == expected, days
    del client.app.state.campaign_settings
    assert report["responsible"]["石桥镇"][0]["official_id"] == inspector_id
    # the town's own inspector first, then the unit-wide supervisor; the auditor answers for no town
    assert [(o["name"], o["scope"]) for o in report["responsible"]["石桥镇"]] == [("赵强", "town"), ("李明", "unit")]
    answer = client.get(f"/officials/{inspector_id}/actions", headers=chief).json()
    acts = answer["actions"]
    assert [a["type"] for a in acts] == ["Inspected", "SampleFailed"] and answer["total"] == 2
    assert all(a["late_days"] >= 0 for a in acts)
    second = client.get(f"/officials/{inspector_id}/actions", params={"limit": 1, "offset": 1}, headers=chief).json()
    assert ([a["type"] for a in second["actions"]], second["total"]) == (["SampleFailed"], 2)


def test_after_a_position_not_yet_in_the_log_is_refused(client, chief):
    response = client.get("/enterprises", params={"after": 10**9}, headers=chief)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_readiness_reports_each_projections_lag(client, chief):
    register(client, chief)
    lag = client.get("/readyz").json()["projection_lag"]
    assert set(lag) == {"status", "accountability"} and all(n >= 0 for n in lag.values())


def test_the_read_endpoints_are_in_the_openapi_schema_with_examples(client):
    schema = client.get("/openapi.json").json()
    for path in ("/enterprises", "/enterprises/{enterprise_id}", "/officials/{official_id}/actions",
                 "/reports/status", "/reports/accountability"):
        parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"as_of", "known_at", "after"} <= parameters, path
    components = schema["components"]["schemas"]
    for name in ("EnterprisePagePublic", "StatusReportPublic", "AccountabilityPublic", "ActionsPublic"):
        assert components[name].get("examples"), name


def test_after_a_position_the_views_have_not_reached_answers_503_with_the_lag(client, app, chief, monkeypatch):
    from interfaces.http import read_side

    app.state.projections.stop()
    monkeypatch.setattr(read_side, "AFTER_TIMEOUT_SECONDS", 0.2)
    response = client.post("/enterprises", json={**ENTERPRISE}, headers=chief)
    position = response.json()["position"]
    lagging = client.get("/reports/status", params={"after": position}, headers=chief)
    assert lagging.status_code == 503 and lagging.headers["content-type"].startswith("application/problem+json")
    assert lagging.json()["lag"]["status"] >= 1


def test_a_bad_read_is_refused_at_once_even_with_an_after_the_views_have_not_reached(client, app, chief, monkeypatch):
    from interfaces.http import read_side

    app.state.projections.stop()
    monkeypatch.setattr(read_side, "AFTER_TIMEOUT_SECONDS", 60.0)  # a wait would end in 503, not 422
    position = client.post("/enterprises", json={**ENTERPRISE}, headers=chief).json()["position"]
    refused = client.get("/reports/accountability", params={"after": position, "limit": 0}, headers=chief)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["limit"]
    missing = client.get("/enterprises/6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10", params={"after": position},
                         headers=chief)
    assert missing.status_code == 404  # known missing before any wait for the views
