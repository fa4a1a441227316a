"""Every class of error over HTTP is a problem document naming what was wrong; none is a 500 page."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.e2e.conftest import ENTERPRISE, problem
from tests.e2e.shared_app import app, client, settings  # noqa: F401 - one app per store


def fields(body: dict) -> list[str]:
    return [e["field"] for e in body["errors"]]


def inspection(**kw):
    return {"occurred_on": "2026-09-01", "outcome": "compliant", **kw}


@pytest.mark.parametrize("path", ["", "/history", "/history/1"])
def test_an_unknown_enterprise_is_404_to_reads(client, chief, path):
    problem(client.get(f"/enterprises/{uuid4()}{path}", headers=chief), 404)


def test_an_unknown_enterprise_is_404_to_commands(client, chief):
    body = problem(client.post(f"/enterprises/{uuid4()}/inspections", json=inspection(), headers=chief), 404)
    assert body["rule"] == "not-found"


def test_an_unknown_event_version_is_404(client, chief, enterprise):
    problem(client.get(f"/enterprises/{enterprise}/history/7", headers=chief), 404)


def test_a_broken_rule_is_409_with_a_sentence_naming_the_rule(client, chief, enterprise):
    sample = {"occurred_on": "2026-09-03", "sample_no": "CJ-1", "product_category": "bean_products", "result": "pass"}
    assert client.post(f"/enterprises/{enterprise}/samples", json=sample, headers=chief).status_code == 201
    body = problem(client.post(f"/enterprises/{enterprise}/samples", json=sample, headers=chief), 409)
    assert body["rule"] == "sample-no-unique"
    assert body["title"] == "Sample number already used for this enterprise"
    assert "CJ-1" in body["detail"] and fields(body) == ["sample_no"]


def test_acts_on_a_closed_enterprise_are_409(client, chief, enterprise):
    client.post(f"/enterprises/{enterprise}/closure", json={"occurred_on": "2026-09-01", "reason": "unlicensed"},
                headers=chief)
    order = {"occurred_on": "2026-09-02", "order_no": "ZG-9", "deadline": "2026-09-30", "items": ["x"]}
    body = problem(client.post(f"/enterprises/{enterprise}/rectification-orders", json=order, headers=chief), 409)
    assert body["rule"] == "enterprise-closed"


def test_a_verification_of_an_unknown_order_is_409(client, chief, enterprise):
    body = problem(client.post(f"/enterprises/{enterprise}/rectification-orders/NOPE/verification",
                               json={"occurred_on": "2026-09-02", "passed": True}, headers=chief), 409)
    assert body["rule"] == "verification-needs-open-order"


def test_malformed_json_is_422_naming_the_body(client, chief, enterprise):
    r = client.post(f"/enterprises/{enterprise}/inspections", content=b'{"outcome": ',
                    headers={**chief, "Content-Type": "application/json"})
    assert fields(problem(r, 422)) == ["body"]


def test_a_body_that_is_not_utf8_is_422_naming_the_body(client, chief, enterprise):
    r = client.post(f"/enterprises/{enterprise}/inspections", content=b'{"outcome": "\xff"}',
                    headers={**chief, "Content-Type": "application/json"})
    assert fields(problem(r, 422)) == ["body"]


def test_a_body_that_is_not_an_object_is_422(client, chief, enterprise):
    r = client.post(f"/enterprises/{enterprise}/inspections", json=["compliant"], headers=chief)
    assert fields(problem(r, 422)) == ["body"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (inspection(occurred_on="1 September"), "occurred_on"),
        (inspection(occurred_on=20260901.5), "occurred_on"),
        (inspection(outcome="great"), "outcome"),
        (inspection(outcome=3), "outcome"),
        (inspection(findings=["three_no", "not_a_finding"]), "findings.1"),
        (inspection(findings="three_no"), "findings"),
        (inspection(notes=["a", "b"]), "notes"),
        ({"outcome": "compliant"}, "occurred_on"),
        (inspection(actor={"official_id": str(uuid4()), "name": "冒名", "unit": "x", "role": "supervisor"}), "actor"),
        (inspection(unexpected=1), "unexpected"),
    ],
)
def test_a_wrong_value_or_type_is_422_naming_the_field(client, chief, enterprise, body, field):
    r = client.post(f"/enterprises/{enterprise}/inspections", json=body, headers=chief)
    assert field in fields(problem(r, 422))


def test_a_date_in_the_future_is_422_naming_occurred_on(client, chief, enterprise):
    body = problem(client.post(f"/enterprises/{enterprise}/inspections", json=inspection(occurred_on="2026-10-02"),
                               headers=chief), 422)
    assert body["rule"] == "date-in-future" and fields(body) == ["occurred_on"]


@pytest.mark.parametrize(
    ("fields_", "field"),
    [({"kind": "factory"}, "kind"), ({"area": "suburb"}, "area"), ({"product_categories": ["tofu"]},
                                                                     "product_categories.0"),
     ({"credit_code": "91350100M0001TGQXM"}, "credit_code"), ({"name": "  "}, "name"), ({"town": None}, "town")],
)
def test_registration_refuses_bad_values_naming_the_field(client, chief, fields_, field):
    r = client.post("/enterprises", json={**ENTERPRISE, **fields_}, headers=chief)
    assert field in fields(problem(r, 422))


@pytest.mark.parametrize("name", [b"\\ud800", b"\\u0000", b"a\\u0007b"], ids=["lone surrogate", "NUL", "bell"])
def test_text_that_cannot_be_stored_or_shown_is_422(client, chief, name):
    # A NUL in an event would stop PostgreSQL's views (text columns refuse it): refused at the door.
    raw = b'{"name": "' + name + b'", "town": "\xe7\x9f\xb3\xe6\xa1\xa5\xe9\x95\x87", "area": "rural", ' \
          b'"kind": "small_workshop", "occurred_on": "2026-08-05"}'
    r = client.post("/enterprises", content=raw, headers={**chief, "Content-Type": "application/json"})
    assert fields(problem(r, 422)) == ["name"]


def test_tabs_and_newlines_in_notes_are_kept(client, chief, enterprise):
    r = client.post(f"/enterprises/{enterprise}/inspections", json=inspection(notes="一、卫生\n二、标签\t待查"),
                    headers=chief)
    assert r.status_code == 201


def test_an_actor_in_the_body_is_refused_and_nothing_is_stored(client, chief, enterprise, ledger):
    before = ledger.recorder.max_notification_id()
    r = client.post(f"/enterprises/{enterprise}/inspections", json=inspection(actor="李明"), headers=chief)
    assert fields(problem(r, 422)) == ["actor"]
    assert ledger.recorder.max_notification_id() == before


def test_a_body_over_the_size_limit_is_413(client, chief, enterprise, settings):
    big = inspection(notes="x" * (settings.max_body_bytes + 1))
    problem(client.post(f"/enterprises/{enterprise}/inspections", json=big, headers=chief), 413)


def test_a_streamed_body_over_the_size_limit_is_413_without_content_length(client, chief, enterprise, settings):
    def chunks():
        yield b'{"occurred_on": "2026-09-01", "outcome": "compliant", "notes": "'
        for _ in range(settings.max_body_bytes // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    r = client.post(f"/enterprises/{enterprise}/inspections", content=chunks(),
                    headers={**chief, "Content-Type": "application/json"})
    problem(r, 413)


@pytest.mark.parametrize("value", ["abc", "W/", "1.5", "-1", '"1", "2"'])
def test_a_malformed_if_match_is_422(client, chief, enterprise, value):
    r = client.post(f"/enterprises/{enterprise}/inspections", json=inspection(), headers={**chief, "If-Match": value})
    assert fields(problem(r, 422)) == ["If-Match"]


def test_a_malformed_enterprise_id_is_422_naming_it(client, chief):
    assert fields(problem(client.get("/enterprises/not-a-uuid", headers=chief), 422)) == ["enterprise_id"]


def test_an_unusable_idempotency_key_is_422(client, chief, enterprise):
    r = client.post(f"/enterprises/{enterprise}/inspections", json=inspection(),
                    headers={**chief, "Idempotency-Key": "k" * 201})
    assert fields(problem(r, 422)) == ["Idempotency-Key"]


def test_unknown_paths_and_methods_are_problem_documents(client, chief, enterprise):
    problem(client.get("/no-such-thing", headers=chief), 404)
    problem(client.delete(f"/enterprises/{enterprise}", headers=chief), 405)


@pytest.mark.parametrize("query", ["as_of=0001-01-01", "as_of=9999-12-31", "known_at=0001-01-01T00:00:00%2B08:00",
                                   "known_at=9999-12-31T23:59:59-08:00"])
@pytest.mark.parametrize("path", ["/enterprises", "/reports/status", "/reports/accountability", "/reports/campaign",
                                  "/reports/disclosure"])
def test_dates_at_the_ends_of_the_calendar_are_422_not_500(client, chief, path, query):
    body = problem(client.get(f"{path}?{query}", headers=chief), 422)
    assert fields(body) == [query.split("=")[0]]
