"""Operations over HTTP: /metrics by route template, events and reports counted, projection lag, request ids,
and JSON access logs that never carry a token (also not one put in a query string)."""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import bearer
from tests.e2e.shared_app import app, client, settings  # noqa: F401 - one app per store for the module

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_template_never_by_raw_path(client, ledger, appoint):
    chief = appoint("supervisor", name="李明")
    enterprise = client.post("/enterprises", json={"name": "甲厂", "town": "石桥镇", "area": "rural",
                                                   "kind": "sales_point", "occurred_on": "2026-08-05"},
                             headers=chief).json()["enterprise_id"]
    before = metric(client.get("/metrics").text, "zhijian_http_requests_total", method="GET",
                    route="/enterprises/{enterprise_id}/history", status="200")
    for _ in range(3):
        assert client.get(f"/enterprises/{enterprise}/history", headers=chief).status_code == 200
    text = client.get("/metrics").text
    assert metric(text, "zhijian_http_requests_total", method="GET", route="/enterprises/{enterprise_id}/history",
                  status="200") == before + 3
    assert metric(text, "zhijian_http_request_duration_seconds_count", method="GET",
                  route="/enterprises/{enterprise_id}/history") >= 3
    samples = [line for line in text.splitlines() if line.startswith("zhijian_http_")]
    assert samples and not any(UUID_RE.search(line) for line in samples)


def test_metrics_count_events_written_report_builds_and_show_each_views_lag(client, appoint):
    chief = appoint("supervisor", name="李明")
    before = client.get("/metrics").text
    r = client.post("/enterprises", json={"name": "乙厂", "town": "河口镇", "area": "rural", "kind": "sales_point",
                                          "occurred_on": "2026-08-05"}, headers=chief)
    client.get(f"/reports/campaign?after={r.json()['position']}", headers=chief)
    text = client.get("/metrics").text
    assert metric(text, "zhijian_events_written_total", type="Enterprise.Registered") == \
        metric(before, "zhijian_events_written_total", type="Enterprise.Registered") + 1
    assert metric(text, "zhijian_report_build_seconds_count", report="campaign") >= 1
    assert metric(text, "zhijian_log_position") >= r.json()["position"]
    assert 'zhijian_projection_lag{view="status"}' in text
    assert 'zhijian_projection_lag{view="accountability"}' in text
    assert metric(text, "zhijian_database_up") == 1


def test_a_sane_request_id_is_kept_and_any_other_replaced_and_every_answer_carries_one(client):
    assert client.get("/healthz", headers={"X-Request-ID": "req-42.a"}).headers["x-request-id"] == "req-42.a"
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for bad in ("x" * 200, "a b", "<script>"):
        assert client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"] != bad
    assert client.get("/no/such/path").headers["x-request-id"]


def test_the_access_log_is_json_with_the_request_id_and_never_a_token(client, appoint, capsys):
    chief = appoint("supervisor", name="李明")
    token = chief["Authorization"].removeprefix("Bearer ")
    capsys.readouterr()
    client.get(f"/reports/status?token={token}&as_of=2026-09-01", headers={**chief, "X-Request-ID": "trace-7"})
    client.get("/enterprises", headers=bearer(token))
    logged = capsys.readouterr().err
    assert token not in logged
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    access = [e for e in lines if e["logger"] == "zhijian.access"]
    entry = next(e for e in access if e["request_id"] == "trace-7")
    assert entry["route"] == "/reports/status" and entry["status"] == 200 and entry["method"] == "GET"
    assert "token=%5BREDACTED%5D" in entry["query"] and "as_of=2026-09-01" in entry["query"]
    assert all({"time", "level", "message", "request_id"} <= set(e) for e in lines)
