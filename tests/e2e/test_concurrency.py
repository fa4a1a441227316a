"""Concurrent writers over HTTP: no lost writes, no duplicates, no 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import SECOND_APP, TODAY, TestClient, make_app

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


def test_if_match_with_the_current_version_records_and_a_stale_one_is_409(client, chief, enterprise):
    path = f"/enterprises/{enterprise}/inspections"
    etag = client.get(f"/enterprises/{enterprise}", headers=chief).headers["ETag"]
    assert etag == 'W/"1"'
    body = {"occurred_on": "2026-09-01", "outcome": "compliant"}
    first = client.post(path, json=body, headers={**chief, "If-Match": etag})
    assert first.status_code == 201 and first.headers["ETag"] == '"2"'
    stale = client.post(path, json=body, headers={**chief, "If-Match": etag})
    assert stale.status_code == 409 and stale.json()["rule"] == "version-mismatch"
    for form in ('"{}"', 'W/"{}"', "{}", "*"):
        version = client.get(f"/enterprises/{enterprise}", headers=chief).json()["version"]
        r = client.post(path, json=body, headers={**chief, "If-Match": form.format(version)})
        assert r.status_code == 201, form


def test_concurrent_writers_holding_the_same_version_see_one_201_and_409s(client, chief, enterprise):
    def inspect(n: int):
        body = {"occurred_on": TODAY.isoformat(), "outcome": "compliant", "notes": str(n)}
        return client.post(f"/enterprises/{enterprise}/inspections", json=body, headers={**chief, "If-Match": '"1"'})

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(r.status_code for r in pool.map(inspect, range(8)))
    assert statuses == [201] + [409] * 7


@SECOND_APP
def test_two_servers_on_one_store_settle_their_races_by_retrying(settings, client, chief, enterprise):
    with TestClient(make_app(settings)) as other:
        def sample(n: int):
            body = {"occurred_on": TODAY.isoformat(), "sample_no": f"CJ-{n}", "product_category": "bean_products",
                    "result": "pass"}
            return (client, other)[n % 2].post(f"/enterprises/{enterprise}/samples", json=body, headers=chief)

        with ThreadPoolExecutor(WRITERS) as pool:
            responses = list(pool.map(sample, range(WRITERS)))
    assert [r.status_code for r in responses] == [201] * WRITERS, [r.text for r in responses]
    events = client.get(f"/enterprises/{enterprise}/history", headers=chief).json()["events"]
    assert [e["version"] for e in events] == list(range(1, WRITERS + 2))
    assert sorted(r.json()["version"] for r in responses) == list(range(2, WRITERS + 2))
