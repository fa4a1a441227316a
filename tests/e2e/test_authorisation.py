"""The role × town matrix, every cell: who may record which act on an enterprise in 石桥镇.

Roles: inspector (register, inspect, sample), supervisor (every act), auditor and admin
(read only). Towns: bound to the enterprise's town, bound to another town, or none
(unit-wide). A refused act is 403 and stores nothing; every role reads everything.
"""

from __future__ import annotations

import pytest

from tests.e2e.shared_app import app, client, settings  # noqa: F401 - one app per store

TOWN = "石桥镇"
TOWNS = {"own town": (TOWN,), "other town": ("河口镇",), "unit-wide": ()}
RECORDING = {"register", "inspect", "sample"}
ACTS = ["register", "inspect", "sample", "order", "verify", "license", "review", "retract", "close"]
MAY = {"inspector": RECORDING, "supervisor": set(ACTS), "auditor": set(), "admin": set()}


def requests_for(e: str) -> dict[str, tuple[str, dict]]:
    """Each act as (path, body), against an enterprise with open order ZG-1, license XZF-1, sample at version 4."""
    return {
        "register": ("/enterprises", {"name": "新登记作坊", "town": TOWN, "area": "rural", "kind": "small_workshop",
                                      "occurred_on": "2026-09-01"}),
        "inspect": (f"{e}/inspections", {"occurred_on": "2026-09-10", "outcome": "compliant"}),
        "sample": (f"{e}/samples", {"occurred_on": "2026-09-10", "sample_no": "CJ-9",
                                    "product_category": "bean_products", "result": "pass"}),
        "order": (f"{e}/rectification-orders", {"occurred_on": "2026-09-10", "order_no": "ZG-2",
                                                "deadline": "2026-10-10", "items": ["x"]}),
        "verify": (f"{e}/rectification-orders/ZG-1/verification", {"occurred_on": "2026-09-10", "passed": False}),
        "license": (f"{e}/licenses", {"occurred_on": "2026-09-10", "license_type": "workshop_registration",
                                      "license_no": "XZF-2", "valid_until": "2027-09-10"}),
        "review": (f"{e}/licenses/XZF-1/reviews", {"occurred_on": "2026-09-10", "year": 2026}),
        "retract": (f"{e}/retractions", {"event_version": 4, "reason": "录入错误"}),
        "close": (f"{e}/closure", {"occurred_on": "2026-09-30", "reason": "voluntary"}),
    }


@pytest.fixture
def prepared(client, chief, enterprise):
    e = f"/enterprises/{enterprise}"
    for path, body in [
        (f"{e}/rectification-orders", {"occurred_on": "2026-08-10", "order_no": "ZG-1", "deadline": "2026-09-30",
                                       "items": ["x"]}),
        (f"{e}/licenses", {"occurred_on": "2026-08-11", "license_type": "workshop_registration",
                           "license_no": "XZF-1", "valid_until": "2027-08-10"}),
        (f"{e}/samples", {"occurred_on": "2026-08-12", "sample_no": "CJ-0", "product_category": "bean_products",
                          "result": "pass"}),
    ]:
        assert client.post(path, json=body, headers=chief).status_code == 201
    return e


@pytest.mark.parametrize("towns", list(TOWNS), ids=list(TOWNS))
@pytest.mark.parametrize("role", list(MAY))
def test_each_role_and_town_binding_may_record_exactly_its_acts(client, appoint, ledger, prepared, role, towns):
    auth = appoint(role, TOWNS[towns])
    wrong = []
    for act, (path, body) in requests_for(prepared).items():
        allowed = act in MAY[role] and towns != "other town"
        before = ledger.recorder.max_notification_id()
        r = client.post(path, json=body, headers=auth)
        if r.status_code != (201 if allowed else 403):
            wrong.append((act, r.status_code, r.text))
        if not allowed and ledger.recorder.max_notification_id() != before:
            wrong.append((act, "stored something"))
    for path in (prepared, f"{prepared}/history"):
        r = client.get(path, headers=auth)
        if r.status_code != 200:
            wrong.append(("read " + path, r.status_code))
    assert wrong == []


def test_a_refusal_names_the_role_or_the_town(client, appoint, prepared):
    inspector = appoint("inspector", ("河口镇",))
    r = client.post(f"{prepared}/inspections", json={"occurred_on": "2026-09-10", "outcome": "compliant"},
                    headers=inspector)
    assert r.json()["rule"] == "not-permitted" and TOWN in r.json()["detail"]
    r = client.post(f"{prepared}/closure", json={"occurred_on": "2026-09-10", "reason": "voluntary"},
                    headers=appoint("inspector"))
    assert "inspector" in r.json()["detail"]


def test_an_official_bound_to_towns_registers_only_into_them(client, appoint):
    inspector = appoint("inspector", ("河口镇",))
    body = {"name": "河口水产店", "area": "urban_rural_fringe", "kind": "sales_point", "occurred_on": "2026-09-01"}
    assert client.post("/enterprises", json={**body, "town": "石桥镇"}, headers=inspector).status_code == 403
    assert client.post("/enterprises", json={**body, "town": "河口镇"}, headers=inspector).status_code == 201
