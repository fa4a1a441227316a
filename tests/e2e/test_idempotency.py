"""Idempotency-Key: a repeated POST gets the original answer and stores nothing new, also after a restart."""

from __future__ import annotations

from tests.e2e.conftest import ENTERPRISE, SECOND_APP, TestClient, make_app

INSPECTION = {"occurred_on": "2026-09-01", "outcome": "compliant"}


def inspect(client, enterprise, auth, key, body=INSPECTION):
    return client.post(f"/enterprises/{enterprise}/inspections", json=body,
                       headers={**auth, "Idempotency-Key": key})


def test_a_repeated_post_returns_the_original_answer_and_stores_nothing(client, chief, enterprise, ledger):
    first = inspect(client, enterprise, chief, "visit-0901")
    top = ledger.recorder.max_notification_id()
    again = inspect(client, enterprise, chief, "visit-0901")
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Location"] == first.headers["Location"] and again.headers["ETag"] == first.headers["ETag"]
    assert ledger.recorder.max_notification_id() == top
    assert len(client.get(f"/enterprises/{enterprise}/history", headers=chief).json()["events"]) == 2


def test_a_repeated_registration_registers_once(client, chief, ledger):
    first = client.post("/enterprises", json=ENTERPRISE, headers={**chief, "Idempotency-Key": "census-17"})
    top = ledger.recorder.max_notification_id()
    again = client.post("/enterprises", json=ENTERPRISE, headers={**chief, "Idempotency-Key": "census-17"})
    assert (again.status_code, again.json()) == (201, first.json())
    assert ledger.recorder.max_notification_id() == top


def test_the_same_key_with_another_body_or_path_is_refused(client, chief, enterprise, ledger):
    inspect(client, enterprise, chief, "k1")
    top = ledger.recorder.max_notification_id()
    r = inspect(client, enterprise, chief, "k1", {**INSPECTION, "outcome": "deficient"})
    assert r.status_code == 409 and r.json()["rule"] == "idempotency-key-reused"
    r = client.post(f"/enterprises/{enterprise}/samples", headers={**chief, "Idempotency-Key": "k1"},
                    json={"occurred_on": "2026-09-01", "sample_no": "CJ-1", "product_category": "candy",
                          "result": "pass"})
    assert r.status_code == 409 and r.json()["rule"] == "idempotency-key-reused"
    assert ledger.recorder.max_notification_id() == top


def test_keys_belong_to_one_official(client, chief, enterprise, appoint):
    other = appoint("supervisor", name="张伟")
    first = inspect(client, enterprise, chief, "same-key")
    second = inspect(client, enterprise, other, "same-key")
    assert second.status_code == 201 and second.json()["version"] == first.json()["version"] + 1


def test_a_refused_command_does_not_use_up_its_key(client, chief, enterprise):
    assert inspect(client, enterprise, chief, "k2", {**INSPECTION, "occurred_on": "2026-12-01"}).status_code == 422
    assert inspect(client, enterprise, chief, "k2").status_code == 201


@SECOND_APP
def test_a_repeated_post_after_a_server_restart_returns_the_original_answer(settings, chief, enterprise, client,
                                                                            ledger):
    first = inspect(client, enterprise, chief, "before-restart")
    top = ledger.recorder.max_notification_id()
    with TestClient(make_app(settings)) as restarted:
        again = inspect(restarted, enterprise, chief, "before-restart")
        assert (again.status_code, again.json()) == (201, first.json())
        assert restarted.app.state.ledger.recorder.max_notification_id() == top
        refused = inspect(restarted, enterprise, chief, "before-restart", {**INSPECTION, "notes": "改了"})
        assert refused.status_code == 409
