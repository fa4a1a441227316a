"""Concurrent writers over HTTP: no lost writes, no duplicates, no 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import TODAY

WRITERS = 16


def test_sixteen_concurrent_writers_each_land_exactly_once_with_contiguous_versions(client, chief, enterprise):
    def sample(n: int):
        body = {"occurred_on": TODAY.isoformat(), "sample_no": f"CJ-{n}", "product_category": "bean_products",
                "result": "pass"}
        return client.post(f"/enterprises/{enterprise}/samples", json=body, headers=chief)

    with ThreadPoolExecutor(WRITERS) as pool:
        responses = list(pool.map(sample, range(WRITERS)))

    statuses = [r.status_code for r in responses]
    assert statuses == [201] * WRITERS, [r.text for r in responses if r.status_code != 201]
    events = client.get(f"/enterprises/{enterprise}/history", headers=chief).json()["events"]
    assert [e["version"] for e in events] == list(range(1, WRITERS + 2))
    landed = sorted(r.json()["version"] for r in responses)
    assert landed == list(range(2, WRITERS + 2))
    by_version = {e["version"]: e for e in events}
    for n, r in enumerate(responses):
        event = by_version[r.json()["version"]]
        assert event["payload"]["sample_no"] == f"CJ-{n}"
        assert event["position"] == r.json()["position"]
    assert len({e["position"] for e in events}) == len(events)
