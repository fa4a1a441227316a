"""A view projected from zero over a log that already holds events (a first start on an existing log, or a new
version that changed its tables) is not read until it has caught up: every read of it answers 503
`view-rebuilding`, with each such view's progress, rather than figures that leave events out. Commands go on."""

from __future__ import annotations

import warnings
from dataclasses import replace

with warnings.catch_warnings():  # as in conftest.py
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

from application.bootstrap import build_ledger
from application.settings import Settings
from domain.actor import SYSTEM
from projections.registry import backend, view_spec
from tests.e2e.conftest import ENTERPRISE, SECOND_APP, TODAY, bearer, make_app
from tests.e2e.test_web_pages import sign_in


@SECOND_APP
def test_a_view_made_over_an_existing_log_is_not_read_until_it_has_caught_up(settings: Settings, monkeypatch):
    ledger = build_ledger(settings)
    try:
        token = ledger.appoint_official(by=SYSTEM, today=TODAY, name="王芳", unit="质监局", role="supervisor").token
    finally:
        ledger.close()
    auth = bearer(token)
    # The log has events (the appointment) before any view exists. The app is not started (no `with`), so no
    # runner projects: the views stay where they are until the test moves them.
    app = make_app(settings)
    client = TestClient(app)
    head = app.state.views.log.last_position()
    assert head > 0
    response = client.get("/reports/status", headers=auth)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"].isdigit()  # the header's delta form (RFC 9110 §10.2.3), not a date
    body = response.json()
    assert body["rule"] == "view-rebuilding"
    assert body["rebuilding"] == {"accountability": {"position": 0, "ready_at": head},
                                  "status": {"position": 0, "ready_at": head}}
    sign_in(client, token)
    page = client.get("/web/accountability")  # the pages too, in a page of their own
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "统计视图正在重建" in page.text and f"0/{head:,}" in page.text
    # Commands are taken meanwhile.
    registered = client.post("/enterprises", json=ENTERPRISE, headers=auth)
    assert registered.status_code == 201
    app.state.views.catch_up()
    report = client.get("/reports/status", headers=auth)
    assert report.status_code == 200
    assert report.json()["total"] == 1

    # A new version changes the accountability view's tables: a server of that version projects it again, and
    # until it has caught up the reads of it are refused; the status view, unchanged, is not projected again.
    spec = view_spec("accountability")
    monkeypatch.setattr(spec.recorder_class(backend(settings)), "tables",
                        replace(spec.tables, version=spec.tables.version + 1))
    upgraded = make_app(settings)
    later = TestClient(upgraded)
    head = upgraded.state.views.log.last_position()
    refused = later.get("/reports/accountability", headers=auth)
    assert refused.status_code == 503
    assert refused.json()["rebuilding"] == {"accountability": {"position": 0, "ready_at": head}}
    upgraded.state.views.catch_up()
    answered = later.get("/reports/accountability", headers=auth)
    assert answered.status_code == 200
    assert sum(o["actions"].get("Registered", 0) for o in answered.json()["officials"]) == 1
    for one in (app, upgraded):
        one.state.views.close()
        one.state.ledger.close()
