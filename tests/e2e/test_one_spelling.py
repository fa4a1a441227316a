"""One town is one town, one name one name: identifying text is stored in one spelling (domain.text), on both stores."""

from __future__ import annotations

from tests.e2e.conftest import ENTERPRISE, problem
from tests.unit.test_text import TOWN_SPELLINGS


def test_fifteen_spellings_of_one_town_make_one_town_in_the_status_report(client, chief):
    for i, town in enumerate(TOWN_SPELLINGS):
        r = client.post("/enterprises", json={
            "name": f"豆腐坊{i}", "town": town, "area": "rural", "kind": "small_workshop", "occurred_on": "2026-08-05",
        }, headers=chief)
        assert r.status_code == 201, r.text
    status = client.get("/reports/status", params={"after": r.json()["position"]}, headers=chief).json()
    assert list(status["by_town"]) == ["城关镇"] and sum(status["by_town"]["城关镇"].values()) == 15
    listed = client.get("/enterprises", params={"town": "城关镇\u200b", "limit": 100}, headers=chief).json()
    assert listed["total"] == 15 and {e["town"] for e in listed["items"]} == {"城关镇"}


def test_search_folds_the_query_as_names_are_folded(client, chief):
    r = client.post("/enterprises", json={**ENTERPRISE, "name": "张记豆腐坊Ａ１"}, headers=chief)
    e, after = r.json()["enterprise_id"], r.json()["position"]
    found = client.get("/enterprises", params={"q": "豆\u200b腐坊a1\ufe0f", "after": after}, headers=chief).json()
    assert [x["id"] for x in found["items"]] == [e] and found["items"][0]["name"] == "张记豆腐坊A1"


def test_a_bidirectional_override_in_a_name_is_refused_naming_the_field(client, chief):
    r = client.post("/enterprises", json={
        "name": "张记\u202e坊腐豆", "town": "石桥镇", "area": "rural", "kind": "small_workshop",
        "occurred_on": "2026-08-05",
    }, headers=chief)
    body = problem(r, 422)
    assert body["rule"] == "bidi-control" and body["errors"] == [{"field": "name", "message": body["detail"]}]
    assert "U+202E" in body["detail"]


def test_an_order_number_spelled_with_a_zero_width_space_is_the_same_order(client, chief, enterprise):
    order = {"occurred_on": "2026-08-10", "order_no": "ZG-\u200b１２", "deadline": "2026-08-30", "items": ["卫生"]}
    assert client.post(f"/enterprises/{enterprise}/rectification-orders", json=order, headers=chief).status_code == 201
    again = client.post(f"/enterprises/{enterprise}/rectification-orders", json={**order, "order_no": "ZG-12"},
                        headers=chief)
    assert problem(again, 409)["rule"] == "order-no-unique"
    verified = client.post(f"/enterprises/{enterprise}/rectification-orders/ZG-12\ufeff/verification",
                           json={"occurred_on": "2026-08-20", "passed": True}, headers=chief)
    assert verified.status_code == 201, verified.text
