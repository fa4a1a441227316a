"""Every command endpoint and read over HTTP: the happy path, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from tests.e2e.conftest import ENTERPRISE


def post(client, auth, path, body, **headers):
    return client.post(path, json=body, headers={**auth, **headers})


def test_registering_answers_201_with_ids_location_and_etag(client, chief):
    r = post(client, chief, "/enterprises",
             {**ENTERPRISE, "credit_code": "91430111MA4L41YT1U", "address": "石桥镇东街1号"})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"enterprise_id", "version", "position", "recorded_at"}
    assert body["version"] == 1 and body["position"] >= 1
    datetime.fromisoformat(body["recorded_at"])
    assert r.headers["Location"] == f"/enterprises/{body['enterprise_id']}"
    assert r.headers["ETag"] == '"1"'


def test_every_command_records_its_event_and_the_history_shows_them_in_order(client, chief, enterprise):
    e = f"/enterprises/{enterprise}"
    acts = [
        (f"{e}/inspections", {"occurred_on": "2026-08-10", "outcome": "violation", "findings": ["three_no"]}),
        (f"{e}/rectification-orders", {"occurred_on": "2026-08-10", "order_no": "ZG-1", "deadline": "2026-08-31",
                                       "items": ["补办小作坊登记"]}),
        (f"{e}/rectification-orders/ZG-1/verification", {"occurred_on": "2026-08-30", "passed": True}),
        (f"{e}/licenses", {"occurred_on": "2026-09-01", "license_type": "workshop_registration",
                           "license_no": "XZF-1", "valid_until": "2029-08-31"}),
        (f"{e}/licenses/XZF-1/reviews", {"occurred_on": "2026-09-20", "year": 2026}),
        (f"{e}/samples", {"occurred_on": "2026-09-03", "sample_no": "CJ-1", "product_category": "bean_products",
                          "result": "pass", "lab": "市质检所"}),
        (f"{e}/samples", {"occurred_on": "2026-09-04", "sample_no": "CJ-2", "product_category": "bean_products",
                          "result": "fail", "failed_items": ["苯甲酸"]}),
        (f"{e}/retractions", {"event_version": 8, "reason": "样品编号录错"}),
        (f"{e}/closure", {"occurred_on": "2026-09-30", "reason": "voluntary", "decision_no": "GT-1"}),
    ]
    answers = []
    for path, body in acts:
        r = post(client, chief, path, body)
        assert r.status_code == 201, (path, r.text)
        assert r.headers["Location"] == f"{e}/history/{r.json()['version']}"
        assert r.headers["ETag"] == f'"{r.json()["version"]}"'
        answers.append(r.json())
    assert [a["version"] for a in answers] == list(range(2, 11))
    assert [a["position"] for a in answers] == sorted(a["position"] for a in answers)

    r = client.get(f"{e}/history", headers=chief)
    assert r.status_code == 200 and r.headers["ETag"] == '"10"'
    events = r.json()["events"]
    assert [ev["type"] for ev in events] == [
        "Registered", "Inspected", "OrderedToRectify", "RectificationVerified", "Licensed", "LicenseReviewed",
        "SamplePassed", "SampleFailed", "Retracted", "Closed",
    ]
    assert [ev["position"] for ev in events[1:]] == [a["position"] for a in answers]
    assert all(ev["actor"]["name"] == "李明" and ev["actor"]["role"] == "supervisor" for ev in events)
    assert events[1]["payload"] == {"outcome": "violation", "findings": ["three_no"], "notes": "", "draw_id": None}
    assert events[1]["occurred_on"] == "2026-08-10"
    failed = events[7]
    assert failed["retracted"]["version"] == 9 and failed["retracted"]["reason"] == "样品编号录错"
    assert failed["retracted"]["actor"]["name"] == "李明"
    assert failed["retracted"]["recorded_at"] == answers[7]["recorded_at"]
    assert all(ev["retracted"] is None for ev in events if ev["version"] != 8)


def test_a_commands_location_leads_to_the_event_it_recorded(client, chief, enterprise):
    r = post(client, chief, f"/enterprises/{enterprise}/inspections", {"occurred_on": "2026-09-01",
                                                                        "outcome": "compliant"})
    event = client.get(r.headers["Location"], headers=chief)
    assert event.status_code == 200
    assert event.json()["type"] == "Inspected" and event.json()["position"] == r.json()["position"]


def test_the_enterprise_shows_its_current_status_with_its_version_as_etag(client, chief, enterprise):
    e = f"/enterprises/{enterprise}"
    post(client, chief, f"{e}/inspections", {"occurred_on": "2026-08-10", "outcome": "deficient"})
    post(client, chief, f"{e}/rectification-orders", {"occurred_on": "2026-08-10", "order_no": "ZG-1",
                                                       "deadline": "2026-08-31", "items": ["清洁车间"]})
    post(client, chief, f"{e}/samples", {"occurred_on": "2026-09-04", "sample_no": "CJ-2",
                                          "product_category": "bean_products", "result": "fail",
                                          "failed_items": ["苯甲酸"]})
    r = client.get(e, headers=chief)
    assert r.status_code == 200 and r.headers["ETag"] == 'W/"4"'
    view = r.json()
    assert view["id"] == enterprise and view["name"] == ENTERPRISE["name"] and view["town"] == "石桥镇"
    assert view["status"] == "overdue"  # the deadline passed on 31 August, before today (1 October)
    assert view["open_orders"] == [{"order_no": "ZG-1", "deadline": "2026-08-31", "overdue": True}]
    assert view["last_inspection"]["outcome"] == "deficient"
    assert view["samples"] == {"taken": 1, "failed": 1}
    assert (view["version"], view["as_of"]) == (4, "2026-10-01")

    post(client, chief, f"{e}/rectification-orders/ZG-1/verification", {"occurred_on": "2026-09-05", "passed": True})
    post(client, chief, f"{e}/licenses", {"occurred_on": "2026-09-06", "license_type": "workshop_registration",
                                           "license_no": "XZF-1", "valid_until": "2029-09-05"})
    view = client.get(e, headers=chief).json()
    assert view["status"] == "licensed" and view["open_orders"] == []
    assert view["licenses"] == [{"license_no": "XZF-1", "license_type": "workshop_registration",
                                 "valid_until": "2029-09-05", "last_review_year": None}]
    post(client, chief, f"{e}/closure", {"occurred_on": "2026-09-30", "reason": "voluntary"})
    assert client.get(e, headers=chief).json()["status"] == "closed"


def test_liveness_and_readiness_answer_without_a_token(client):
    assert client.get("/healthz").json() == {"status": "alive"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert set(r.json()["projection_lag"]) == {"status", "accountability"}
