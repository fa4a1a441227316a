"""Bearer tokens: issued by the CLI, stored only as hashes, refused once revoked or deactivated."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from application import aggregate_cache
from application.bootstrap import build_ledger
from domain.actor import SYSTEM
from tests.e2e.conftest import ENTERPRISE, TODAY, bearer
from tests.e2e.shared_app import app, client, settings  # noqa: F401 - one app per store


def inspect(client, enterprise, auth):
    return client.post(f"/enterprises/{enterprise}/inspections",
                       json={"occurred_on": "2026-09-01", "outcome": "compliant"}, headers=auth)


@pytest.mark.parametrize(
    "auth",
    [{}, {"Authorization": "Bearer zj_not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer"}, {"Authorization": "Bearer \u00e9\u00e9".encode("latin-1")}],
    ids=["none", "unknown", "basic", "empty", "latin-1"],
)
def test_a_request_without_a_valid_token_is_401_and_says_how_to_authenticate(client, enterprise, auth):
    for r in (inspect(client, enterprise, auth), client.get(f"/enterprises/{enterprise}/history", headers=auth)):
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401_while_the_officials_other_token_works(client, ledger, enterprise):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    second = ledger.issue_token(appointed.official_id, by=SYSTEM, today=TODAY)
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 201
    ledger.revoke_token(appointed.official_id, appointed.token, by=SYSTEM, today=TODAY)
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 401
    assert inspect(client, enterprise, bearer(second)).status_code == 201


def test_a_deactivated_officials_tokens_are_401(client, ledger, enterprise):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="supervisor")
    ledger.deactivate_official(appointed.official_id, by=SYSTEM, today=TODAY, reason="调离")
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 401
    assert client.get(f"/enterprises/{enterprise}", headers=bearer(appointed.token)).status_code == 401


def test_the_actor_of_every_event_is_the_authenticated_official(client, ledger, enterprise):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="赵强", unit="石桥镇质监站", role="inspector")
    inspect(client, enterprise, bearer(appointed.token))
    actor = client.get(f"/enterprises/{enterprise}/history",
                       headers=bearer(appointed.token)).json()["events"][-1]["actor"]
    assert actor == {"official_id": str(appointed.official_id), "name": "赵强", "unit": "石桥镇质监站",
                     "role": "inspector"}


def test_no_plaintext_token_reaches_the_database_the_events_or_the_logs(client, ledger, settings, caplog):
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    token = appointed.token
    with caplog.at_level(logging.DEBUG):
        r = client.post("/enterprises", json=ENTERPRISE, headers=bearer(token))
        client.post("/enterprises", json={**ENTERPRISE, "kind": "nope"}, headers=bearer(token))
        client.get(f"/enterprises/{r.json()['enterprise_id']}/history", headers=bearer(token))
    assert token not in caplog.text
    notifications = ledger.recorder.select_notifications(start=None, limit=10_000)
    assert notifications and all(token.encode() not in n.state for n in notifications)
    if settings.is_postgres:
        with ledger.store.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT string_agg(encode(state, 'escape'), '') AS s FROM zhijian_events")
            assert token not in curs.fetchone()["s"]
    else:
        for path in Path(settings.data_dir).rglob("*"):
            assert token.encode() not in path.read_bytes(), path


def test_with_no_recheck_bound_a_revocation_by_another_ledger_is_refused_at_the_next_request(
        app, client, ledger, settings, enterprise, monkeypatch):
    monkeypatch.setattr(app.state.settings, "auth_recheck_seconds", 0.0)
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    second = ledger.issue_token(appointed.official_id, by=SYSTEM, today=TODAY)
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 201  # the official is cached now
    other = build_ledger(settings)  # as the CLI does: its own ledger, its own cache
    try:
        other.revoke_token(appointed.official_id, appointed.token, by=SYSTEM, today=TODAY)
        assert inspect(client, enterprise, bearer(appointed.token)).status_code == 401
        assert inspect(client, enterprise, bearer(second)).status_code == 201
        other.deactivate_official(appointed.official_id, by=SYSTEM, today=TODAY)
        assert client.get(f"/enterprises/{enterprise}/history", headers=bearer(second)).status_code == 401
    finally:
        other.close()


def test_a_revocation_by_another_ledger_is_refused_once_the_recheck_bound_has_passed(
        app, client, ledger, settings, enterprise, monkeypatch):
    bound = 30.0
    monkeypatch.setattr(app.state.settings, "auth_recheck_seconds", bound)
    appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role="inspector")
    second = ledger.issue_token(appointed.official_id, by=SYSTEM, today=TODAY)
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 201
    other = build_ledger(settings)
    try:
        other.revoke_token(appointed.official_id, appointed.token, by=SYSTEM, today=TODAY)
        other.deactivate_official(appointed.official_id, by=SYSTEM, today=TODAY)
    finally:
        other.close()
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 201  # within the bound: from memory
    later = time.monotonic() + bound
    monkeypatch.setattr(aggregate_cache.time, "monotonic", lambda: later)  # the bound has passed
    assert inspect(client, enterprise, bearer(appointed.token)).status_code == 401
    assert inspect(client, enterprise, bearer(second)).status_code == 401
