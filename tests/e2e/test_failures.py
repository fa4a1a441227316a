"""Failures of the server itself: still problem documents, never a stack trace."""

from __future__ import annotations

from interfaces.http import deps
from tests.e2e.conftest import ENTERPRISE, TestClient, problem


def test_an_unexpected_failure_is_a_500_problem_document_without_details(app, chief):
    def broken_clock():
        raise RuntimeError("secret internals")

    app.dependency_overrides[deps.today] = broken_clock
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/enterprises", json=ENTERPRISE, headers=chief)
    body = problem(r, 500)
    assert "secret" not in r.text and body["rule"] == "internal-error"


def test_readiness_is_503_when_the_database_does_not_answer(client, ledger, monkeypatch):
    def down():
        raise OSError("connection refused")

    monkeypatch.setattr(ledger.store, "ping", down)
    assert problem(client.get("/readyz"), 503)["rule"] == "storage-unavailable"
    assert client.get("/healthz").status_code == 200
