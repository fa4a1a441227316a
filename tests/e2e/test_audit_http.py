"""The audit over HTTP, on each store: who may ask, the answers' shapes, proofs that verify, tampering reported."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from application.audit.checkpoints import signed_text
from domain.merkle import verify_consistency, verify_inclusion
from tests.e2e.conftest import problem, register
from tests.integration.tampering import Tamperer

AUDIT_PATHS = ("/audit/verify", "/audit/checkpoint", "/audit/proof/consistency?from=1", "/audit/proof/inclusion/1")


def inspect(client, auth, eid, outcome="compliant"):
    r = client.post(f"/enterprises/{eid}/inspections", json={"occurred_on": "2026-09-01", "outcome": outcome},
                    headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("path", AUDIT_PATHS)
def test_auditors_and_supervisors_may_audit_inspectors_and_admins_may_not(client, appoint, chief, enterprise, path):
    assert client.get(path, headers=appoint("auditor", name="赵督查")).status_code == 200
    assert client.get(path, headers=chief).status_code == 200
    for role in ("inspector", "admin"):
        assert problem(client.get(path, headers=appoint(role)), 403)["rule"] == "not-permitted"
    assert problem(client.get(path), 401)["rule"] == "unauthenticated"


def test_verify_answers_the_design_shape(client, chief, enterprise):
    inspect(client, chief, enterprise)
    body = client.get("/audit/verify", headers=chief).json()
    assert body["ok"] is True and body["first_break"] is None and body["checked"] == body["size"] > 0
    assert set(body) >= {"ok", "checked", "first_break"}
    ranged = client.get("/audit/verify", params={"from": 2, "to": 3}, headers=chief).json()
    assert ranged["ok"] and ranged["checked"] == 2 and ranged["size"] is None


def test_the_checkpoint_is_signed_by_the_published_key_and_the_proofs_verify(client, chief, enterprise):
    cp = client.get("/audit/checkpoint", headers=chief).json()
    key = serialization.load_pem_public_key(cp["public_key"].encode())
    key.verify(bytes.fromhex(cp["signature"]), signed_text(cp["size"], cp["root_hash"], cp["time"]))  # raises if not
    old_root = bytes.fromhex(cp["root_hash"])
    done = inspect(client, chief, enterprise)
    history = client.get(f"/enterprises/{enterprise}/history", headers=chief).json()["events"]
    assert [e["position"] for e in history][-1] == done["position"] and all(len(e["leaf_hash"]) == 64 for e in history)
    registered = history[0]
    p = client.get(f"/audit/proof/inclusion/{registered['position']}", params={"size": cp["size"]},
                   headers=chief).json()
    assert p["leaf_hash"] == registered["leaf_hash"] and p["root_hash"] == cp["root_hash"]
    assert verify_inclusion(bytes.fromhex(registered["leaf_hash"]), p["leaf_index"], cp["size"],
                            [bytes.fromhex(h) for h in p["audit_path"]], old_root)
    c = client.get("/audit/proof/consistency", params={"from": cp["size"]}, headers=chief).json()
    assert c["from"] == cp["size"] and c["to"] > cp["size"] and c["from_root"] == cp["root_hash"]
    assert verify_consistency(c["from"], c["to"], old_root, bytes.fromhex(c["to_root"]),
                              [bytes.fromhex(h) for h in c["proof"]])


def test_proofs_out_of_range_are_problems_not_errors(client, chief, enterprise):
    assert problem(client.get("/audit/proof/inclusion/999999", headers=chief), 404)["rule"] == "not-found"
    assert problem(client.get("/audit/proof/consistency", params={"from": 5, "to": 2}, headers=chief), 422)
    assert problem(client.get("/audit/proof/inclusion/1", params={"size": 10**6}, headers=chief), 422)


def test_a_tampered_enterprise_answers_a_log_integrity_problem_and_verify_names_it(client, chief, settings):
    eid = register(client, chief)
    other = register(client, chief, name="李记豆芽坊")
    changed = inspect(client, chief, eid)
    Tamperer(settings).alter_one_byte(changed["position"], b"compliant", b"compliaNt")
    for path in (f"/enterprises/{eid}/history", f"/enterprises/{eid}/history/{changed['version']}"):
        body = problem(client.get(path, headers=chief), 500)
        assert body["rule"] == "log-integrity" and body["type"].endswith("/log-integrity")
        assert str(changed["position"]) in body["detail"] and "altered" in body["detail"]
    assert client.get(f"/enterprises/{other}/history", headers=chief).status_code == 200
    report = client.get("/audit/verify", headers=chief).json()
    assert report["ok"] is False
    assert {k: report["first_break"][k] for k in ("position", "enterprise_id", "version", "reason")} == {
        "position": changed["position"], "enterprise_id": eid, "version": changed["version"], "reason": "altered"}
    assert "altered" in report["first_break"]["message"] and "哈希不符" in report["first_break"]["message"]


def test_a_deleted_event_gives_a_problem_not_a_500_traceback(client, chief, settings):
    eid = register(client, chief)
    first = inspect(client, chief, eid)
    inspect(client, chief, eid)
    Tamperer(settings).delete(first["position"])
    assert problem(client.get(f"/enterprises/{eid}/history", headers=chief), 500)["rule"] == "log-integrity"
