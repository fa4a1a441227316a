"""Random inspections (双随机) over HTTP, on both stores: announce, draw, verify, complete, publish,
and the public pages."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from uuid import UUID

import pytest
from openpyxl import load_workbook

from domain import draw as draws
from domain.actor import SYSTEM
from interfaces.http.rate_limit import RateLimiter
from tests.e2e.conftest import TODAY, bearer, problem, register

SEED = "qa-2026-q4-seed-5f1e0c7a9b3d"
OTHER_SEED = "qa-2026-q4-seed-other-0000"
PLAN = {
    "name": "2026年第四季度小作坊双随机抽查",
    "strata": {"bad_record": {"ratio": "1"}, "high_risk": {"ratio": "0.5"}, "general": {"count": 2}},
    "high_risk_categories": ["meat_products"],
    "inspectors_per_target": 2,
    "period_start": "2026-10-01",
    "period_end": "2026-10-31",
    "cross_town": True,
    "seed_commitment": draws.commitment(SEED),
}
SECRET_NOTE = "内部备注：不得公开"


@pytest.fixture
def register_book(client, chief, appoint):
    """Six enterprises in two towns (two make meat products), three unit-wide inspectors and one bound to a town."""
    enterprises = [register(client, chief, name=f"作坊{i}", town=("石桥镇", "河口镇")[i % 2],
                            product_categories=["meat_products"] if i < 2 else ["bean_products"]) for i in range(6)]
    inspectors = [appoint("inspector", name=f"检查员{i}") for i in range(3)]
    bound = appoint("inspector", towns=("石桥镇",), name="镇检查员")
    return enterprises, inspectors, bound


def announce(client, auth, **changes) -> str:
    r = client.post("/draws", json={**PLAN, **changes}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/draws/{r.json()['plan_id']}"
    return str(r.json()["plan_id"])


def drawn(client, auth, plan_id, seed=SEED):
    r = client.post(f"/draws/{plan_id}/drawing", json={"seed": seed}, headers=auth)
    assert r.status_code == 201, r.text
    return client.get(f"/draws/{plan_id}", headers=auth).json()


def official_id(client, auth) -> str:
    return str(client.app.state.ledger.authenticate(auth["Authorization"].split()[1]).id)


def test_a_supervisor_announces_draws_and_the_draw_is_what_the_seed_gives(client, chief, register_book):
    enterprises, inspectors, bound = register_book
    plan_id = announce(client, chief)
    assert problem(client.post(f"/draws/{plan_id}/drawing", json={"seed": OTHER_SEED}, headers=chief),
                   409)["rule"] == "seed-matches-commitment"
    plan = drawn(client, chief, plan_id)
    assert plan["state"] == "drawn" and plan["seed"] == SEED and plan["known_at"]
    # The same draw worked out here from what the test registered: the enterprises and the officials.
    unit_wide = [official_id(client, a) for a in (chief, *inspectors)]
    register_ = draws.Register(
        tuple(draws.Candidate(e, ("石桥镇", "河口镇")[i % 2], "small_workshop",
                              ("meat_products",) if i < 2 else ("bean_products",), False)
              for i, e in enumerate(enterprises)),
        tuple([draws.Inspector(o, ()) for o in unit_wide] + [draws.Inspector(official_id(client, bound), ("石桥镇",))]))
    ledger = client.app.state.ledger
    expected = draws.select(SEED, ledger.draw_plan(UUID(plan_id)).rules, register_)
    assert plan["selection"] == expected.as_dict()
    assert [s["chosen"] for s in plan["selection"]["strata"]] == [0, 1, 2]
    bound_id = official_id(client, bound)
    assert all(bound_id not in t["inspectors"] for t in plan["selection"]["targets"])  # cross-town, and not covering
    # What is recorded after the draw changes nothing of it: verify reads the register as known at its known_at.
    register(client, chief, name="后来的作坊", town="石桥镇")
    drawn_enterprise = plan["selection"]["targets"][0]["enterprise_id"]
    r = client.post(f"/enterprises/{drawn_enterprise}/closure", json={"occurred_on": "2026-10-01",
                                                                     "reason": "voluntary"}, headers=chief)
    assert r.status_code == 201, r.text
    verified = client.get(f"/draws/{plan_id}/verify", headers=chief).json()
    assert verified == {"plan_id": plan_id, "ok": True, "drawn": True, "commitment_matches": True,
                        "selection_matches": True, "differences": []}
    assert problem(client.post(f"/draws/{plan_id}/drawing", json={"seed": SEED}, headers=chief),
                   409)["rule"] == "draw-plan-state"


def test_an_inspector_may_not_announce_and_another_unit_may_not_draw(client, chief, appoint, register_book):
    _, inspectors, _ = register_book
    assert problem(client.post("/draws", json=PLAN, headers=inspectors[0]), 403)["rule"] == "not-permitted"
    plan_id = announce(client, chief)
    ledger = client.app.state.ledger
    other = ledger.appoint_official(by=SYSTEM, today=TODAY, name="外单位", unit="另一局", role="supervisor")
    refused = problem(client.post(f"/draws/{plan_id}/drawing", json={"seed": SEED}, headers=bearer(other.token)), 403)
    assert "质监局" in refused["detail"]


def test_an_impossible_plan_is_refused_with_409_naming_the_stratum_and_the_enterprise(client, chief, register_book):
    plan_id = announce(client, chief, inspectors_per_target=5)  # four unit-wide officials may be drawn
    refused = problem(client.post(f"/draws/{plan_id}/drawing", json={"seed": SEED}, headers=chief), 409)
    assert refused["rule"] == "draw-impossible" and refused["stratum"] in ("high_risk", "general")
    assert refused["enterprise_id"] in refused["detail"] and refused["stratum"] in refused["detail"]
    assert client.get(f"/draws/{plan_id}", headers=chief).json()["state"] == "announced"


def test_a_declared_conflict_keeps_the_inspector_off_that_enterprise(client, chief, register_book):
    enterprises, inspectors, _ = register_book
    mine = official_id(client, inspectors[0])
    for e in enterprises:
        r = client.post(f"/officials/{mine}/recusals", json={"enterprise_id": e, "reason": "亲属经营"},
                        headers=inspectors[0])
        assert r.status_code == 201, r.text
    assert problem(client.post(f"/officials/{official_id(client, chief)}/recusals",
                               json={"enterprise_id": enterprises[0], "reason": "x"}, headers=inspectors[0]),
                   403)["rule"] == "not-permitted"
    plan = drawn(client, chief, announce(client, chief))
    assert plan["selection"]["targets"] and all(mine not in t["inspectors"] for t in plan["selection"]["targets"])


def test_whoever_inspected_an_enterprise_within_recent_months_is_not_drawn_for_it(client, chief, register_book):
    enterprises, inspectors, _ = register_book
    busy = official_id(client, inspectors[1])
    for e in enterprises:
        r = client.post(f"/enterprises/{e}/inspections", json={"occurred_on": "2026-09-15", "outcome": "compliant"},
                        headers=inspectors[1])
        assert r.status_code == 201, r.text
    # Four unit-wide officials may be drawn (the town-bound one never, cross-town): with the rule, three remain.
    others = {official_id(client, a) for a in (chief, inspectors[0], inspectors[2])}
    plan = drawn(client, chief, announce(client, chief, recent_months=1, inspectors_per_target=3))
    assert plan["selection"]["targets"] and all(set(t["inspectors"]) == others for t in plan["selection"]["targets"])
    without = drawn(client, chief, announce(client, chief, recent_months=0, inspectors_per_target=4))
    assert all(busy in t["inspectors"] for t in without["selection"]["targets"])


def test_completion_and_the_public_results(client, chief, appoint, register_book):
    enterprises, inspectors, _ = register_book
    plan_id = announce(client, chief)
    plan = drawn(client, chief, plan_id)
    targets = plan["selection"]["targets"]
    first, second = targets[0], targets[1]
    teams = {official_id(client, a): a for a in (chief, *inspectors)}
    assigned = teams[first["inspectors"][0]]
    outsider = next(a for o, a in teams.items() if o not in second["inspectors"])
    answer = {"occurred_on": "2026-10-01", "outcome": "violation", "findings": ["unlicensed"], "notes": SECRET_NOTE}
    r = client.post(f"/enterprises/{first['enterprise_id']}/inspections", json={**answer, "draw_id": plan_id},
                    headers=assigned)
    assert r.status_code == 201, r.text
    r = client.post(f"/enterprises/{second['enterprise_id']}/inspections",
                    json={"occurred_on": "2026-10-01", "outcome": "compliant", "draw_id": plan_id}, headers=outsider)
    assert r.status_code == 201, r.text
    not_drawn = next(e for e in enterprises if e not in {t["enterprise_id"] for t in targets})
    assert problem(client.post(f"/enterprises/{not_drawn}/inspections",
                               json={"occurred_on": "2026-10-01", "outcome": "compliant", "draw_id": plan_id},
                               headers=chief), 409)["rule"] == "draw-target"
    position = r.json()["position"]

    done = client.get(f"/draws/{plan_id}/completion?after={position}", headers=chief).json()
    assert done["totals"] == {"targets": 3, "on_time": 1, "late": 0, "missed": 0, "pending": 2,
                              "unassigned_inspections": 1}
    assert [u["enterprise_id"] for u in done["unassigned"]] == [second["enterprise_id"]]
    after_period = client.get(f"/draws/{plan_id}/completion?after={position}&as_of=2026-11-01", headers=chief).json()
    assert after_period["totals"]["missed"] == 2
    per_inspector = {i["official_id"]: i for i in done["inspectors"]}
    assert per_inspector[first["inspectors"][0]]["on_time"] == 1
    report = client.get(f"/reports/accountability?after={position}", headers=chief).json()
    assert [(d["plan_id"], d["totals"]) for d in report["draws"]] == [(plan_id, done["totals"])]

    # Not public until published.
    assert client.get("/public/draws").json() == {"items": []}
    problem(client.get(f"/public/draws/{plan_id}"), 404)
    r = client.post(f"/draws/{plan_id}/publication", json={}, headers=chief)
    assert r.status_code == 201, r.text
    after = r.json()["position"]
    listed = client.get(f"/public/draws?after={after}").json()["items"]
    assert [p["plan_id"] for p in listed] == [plan_id]
    public = client.get(f"/public/draws/{plan_id}")
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["seed"] == SEED and len(body["targets"]) == 3
    shown = {t["enterprise_id"]: t for t in body["targets"]}
    assert shown[first["enterprise_id"]]["inspections"] == [
        {"occurred_on": "2026-10-01", "outcome": "violation", "findings": ["unlicensed"]}]
    text = public.text
    assert SECRET_NOTE not in text and "Bearer" not in text
    assert not any(o in text for o in teams)  # no official's id
    page = client.get(f"/public/draws/{plan_id}?format=html")
    assert page.headers["content-type"].startswith("text/html") and "抽查结果公示" in page.text
    assert SECRET_NOTE not in page.text
    book = load_workbook(io.BytesIO(client.get(f"/public/draws/{plan_id}?format=xlsx").content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "作坊0" in cells or "作坊1" in cells
    assert SECRET_NOTE not in cells


def test_a_name_like_a_formula_stays_text_in_the_public_workbook(client, chief, register_book):
    register(client, chief, name="=HYPERLINK(\"http://x\")", town="石桥镇", product_categories=["meat_products"])
    plan_id = announce(client, chief, strata={"bad_record": {"ratio": "1"}, "high_risk": {"ratio": "1"},
                                              "general": {"count": 0}})
    drawn(client, chief, plan_id)
    after = client.post(f"/draws/{plan_id}/publication", json={}, headers=chief).json()["position"]
    book = load_workbook(io.BytesIO(client.get(f"/public/draws/{plan_id}?format=xlsx&after={after}").content))
    formula = [c for row in book.active.iter_rows() for c in row if str(c.value or "").startswith("=")]
    assert formula and all(c.data_type == "s" for c in formula)


def test_the_public_pages_are_rate_limited_per_client(client):
    now = [0.0]
    client.app.state.public_rate_limiter = RateLimiter(capacity=3, per_second=1.0, clock=lambda: now[0])
    assert [client.get("/public/draws").status_code for _ in range(3)] == [200, 200, 200]
    limited = problem(client.get("/public/draws"), 429)
    assert limited["rule"] == "rate-limited"
    now[0] += 1.0  # a second later, one more
    assert client.get("/public/draws").status_code == 200


def test_verify_reports_a_recorded_selection_the_seed_does_not_give(client, chief, register_book):
    ledger = client.app.state.ledger
    by = ledger.authenticate(chief["Authorization"].split()[1])
    plan_id = announce(client, chief)
    honest = drawn(client, chief, plan_id)["selection"]
    # A forged plan: announced properly, its Drawn event written past the aggregate's rules.
    forged_id = announce(client, chief)
    plan = ledger.draw_plan(UUID(forged_id))
    targets = [dict(t) for t in honest["targets"]]
    targets[0]["inspectors"] = list(reversed(targets[0]["inspectors"]))
    plan._drawn(actor=by.as_actor, occurred_on=TODAY, seed=SEED, known_at=datetime.now(UTC),
                strata=honest["strata"], targets=targets)
    ledger.save(plan)
    verdict = client.get(f"/draws/{forged_id}/verify", headers=chief).json()
    assert verdict["ok"] is False and verdict["commitment_matches"] and not verdict["selection_matches"]
    assert targets[0]["enterprise_id"] in verdict["differences"][0]
    # And one whose recorded seed is not the committed one.
    wrong_id = announce(client, chief)
    plan = ledger.draw_plan(UUID(wrong_id))
    plan._drawn(actor=by.as_actor, occurred_on=TODAY, seed=OTHER_SEED, known_at=datetime.now(UTC),
                strata=honest["strata"], targets=honest["targets"])
    ledger.save(plan)
    verdict = client.get(f"/draws/{wrong_id}/verify", headers=chief).json()
    assert verdict["ok"] is False and verdict["commitment_matches"] is False


def test_plans_are_listed_with_their_state_and_a_cancelled_one_is_not_drawn(client, chief, register_book):
    kept, dropped = announce(client, chief), announce(client, chief)
    r = client.post(f"/draws/{dropped}/cancellation", json={"reason": "计划调整"}, headers=chief)
    assert r.status_code == 201, r.text
    listed = client.get(f"/draws?after={r.json()['position']}", headers=chief).json()["items"]
    assert {p["plan_id"]: p["state"] for p in listed} == {kept: "announced", dropped: "cancelled"}
    assert problem(client.post(f"/draws/{dropped}/drawing", json={"seed": SEED}, headers=chief),
                   409)["rule"] == "draw-plan-state"


def test_announcing_twice_with_one_idempotency_key_records_one_plan(client, chief):
    headers = {**chief, "Idempotency-Key": "plan-2026-q4"}
    first, again = (client.post("/draws", json=PLAN, headers=headers) for _ in range(2))
    assert first.status_code == again.status_code == 201 and first.json() == again.json()


def test_a_plan_reads_as_it_was_known_at_a_past_moment(client, chief, register_book):
    before = datetime.now(UTC)
    time.sleep(0.01)
    plan_id = announce(client, chief)
    time.sleep(0.01)
    announced_only = datetime.now(UTC)
    time.sleep(0.01)
    now = drawn(client, chief, plan_id)
    assert now["state"] == "drawn" and now["seed"] == SEED

    then = client.get(f"/draws/{plan_id}", params={"known_at": announced_only.isoformat()}, headers=chief)
    assert then.status_code == 200, then.text
    assert then.json()["state"] == "announced" and then.json()["seed"] is None and then.json()["selection"] is None
    assert then.json()["seed_commitment"] == now["seed_commitment"]
    unknown = client.get(f"/draws/{plan_id}", params={"known_at": before.isoformat()}, headers=chief)
    assert problem(unknown, 404)["detail"].endswith(f"as known at {before.isoformat()})")
    later = client.get(f"/draws/{plan_id}", params={"known_at": datetime.now(UTC).isoformat()}, headers=chief)
    assert later.json() == now
