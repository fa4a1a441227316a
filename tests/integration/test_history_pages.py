"""Long histories are paged: the ledger, the HTTP answer and the CLI, on each store.

An enterprise with 260 events is read in pages of 100: the pages joined are the whole
history in version order, each says where the next starts (none after the last), and a
retraction recorded on the last page shows on its target on the first.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from application.commands import Inspect, Register, Retract
from domain.actor import SYSTEM
from tests.integration.test_cli import zhijian

TODAY = date(2026, 10, 1)
INSPECTIONS = 257


def long_history(ledger):
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                        role="supervisor").token)
    eid = ledger.register(Register(occurred_on=date(2026, 8, 1), name="张记豆腐坊", town="石桥镇", area="rural",
                                   kind="small_workshop"), by=chief, today=TODAY).enterprise_id
    for i in range(INSPECTIONS):
        ledger.record(eid, Inspect(occurred_on=date(2026, 8, 2) + timedelta(days=i % 50), outcome="compliant"),
                      by=chief, today=TODAY)
    for target in (2, 3):  # retract early events, recorded last
        ledger.record(eid, Retract(event_version=target, reason=f"录入错误 {target}"), by=chief, today=TODAY)
    return eid


def test_pages_join_into_the_whole_history_and_retractions_show_on_their_targets(ledger):
    eid = long_history(ledger)
    whole = ledger.history(eid)
    assert [h.version for h in whole] == list(range(1, INSPECTIONS + 4))
    pages, after = [], 0
    while True:
        page = ledger.history(eid, after_version=after, limit=100)
        pages.append(page)
        assert page.latest_version == INSPECTIONS + 3
        if page.next_after_version is None:
            break
        after = page.next_after_version
    assert [len(p) for p in pages] == [100, 100, INSPECTIONS + 3 - 200]
    assert [h for p in pages for h in p] == list(whole)
    first = pages[0]
    assert first[1].retracted is not None and first[1].retracted.reason == "录入错误 2"
    assert first[1].retracted.version == INSPECTIONS + 2  # the retraction itself is on the last page
    assert first[0].retracted is None and [h.position for h in first] == sorted(h.position for h in first)
    beyond = ledger.history(eid, after_version=INSPECTIONS + 3, limit=100)
    assert list(beyond) == [] and beyond.next_after_version is None


def test_the_http_history_pages_with_an_etag_of_the_latest_version(settings):
    from tests.e2e.conftest import TestClient, make_app  # TestClient imported there without httpx's warning

    app = make_app(settings)
    with TestClient(app) as client:
        ledger = app.state.ledger
        eid = long_history(ledger)
        auditor = ledger.appoint_official(by=SYSTEM, today=TODAY, name="赵六", unit="督查组", role="auditor").token
        headers = {"Authorization": f"Bearer {auditor}"}
        first = client.get(f"/enterprises/{eid}/history", params={"limit": 100}, headers=headers)
        assert first.status_code == 200, first.text
        body = first.json()
        assert (len(body["events"]), body["next_after_version"], body["latest_version"]) == (100, 100, INSPECTIONS + 3)
        assert first.headers["etag"] == f'"{INSPECTIONS + 3}"'
        assert body["events"][1]["retracted"]["reason"] == "录入错误 2"
        last = client.get(f"/enterprises/{eid}/history", params={"after_version": 200, "limit": 100},
                          headers=headers).json()
        assert last["next_after_version"] is None and last["events"][-1]["type"] == "Retracted"
        one = client.get(f"/enterprises/{eid}/history/150", headers=headers).json()
        assert one["version"] == 150
        assert client.get(f"/enterprises/{eid}/history/999", headers=headers).status_code == 404
        assert client.get(f"/enterprises/{eid}/history", params={"limit": 0}, headers=headers).status_code == 422


def test_the_cli_history_pages_and_says_how_to_go_on(settings, ledger, tmp_path):
    eid = long_history(ledger)
    done = zhijian(settings, tmp_path, "history", str(eid), "--limit", "100")
    assert done.returncode == 0, done.stderr
    assert re.search(rf"zhijian history {eid} --after-version 100", done.stdout)
    last = zhijian(settings, tmp_path, "history", str(eid), "--after-version", "200", "--limit", "100")
    assert last.returncode == 0 and "end / 完" in last.stdout and "Retracted" in last.stdout
