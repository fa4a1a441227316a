"""The random draw (domain/draw.py) and the draw plan (domain/draw_plan.py): pure, no store."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from datetime import UTC, date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import draw as draws
from domain import errors
from domain.actor import Actor
from domain.draw_plan import DrawPlan
from domain.values import Role

TODAY = date(2026, 10, 1)
KNOWN_AT = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
SEED = "石桥镇-2026-第3批-7f3a9c1e5b"
CHIEF = Actor(UUID(int=1), "李明", "食品监管办", Role.SUPERVISOR)


def eid(n: int) -> str:
    return str(uuid5(NAMESPACE_URL, f"/test/enterprise/{n}"))


def oid(n: int) -> str:
    return str(uuid5(NAMESPACE_URL, f"/test/official/{n}"))


def rules(*, general="0.3", high="0.5", bad="1", per_target=2, cross_town=False, recent_months=0, **scope):
    quotas = {"general": _quota(general), "high_risk": _quota(high), "bad_record": _quota(bad)}
    return draws.PlanRules(
        towns=tuple(scope.get("towns", ())), kinds=tuple(scope.get("kinds", ())),
        categories=tuple(scope.get("categories", ())), high_risk_categories=("meat_products",),
        quotas=quotas, inspectors_per_target=per_target, cross_town=cross_town, recent_months=recent_months)


def _quota(value):
    return draws.Quota(count=value) if isinstance(value, int) else draws.Quota(ratio=value)


def register(n=20, inspectors=4, towns=("石桥镇", "河口镇")):
    enterprises = tuple(
        draws.Candidate(eid(i), towns[i % len(towns)], "small_workshop",
                        ("meat_products",) if i % 4 == 0 else ("bean_products",), bad_record=i % 7 == 0)
        for i in range(n))
    return draws.Register(enterprises, tuple(draws.Inspector(oid(j), ()) for j in range(inspectors)))


# -- the canonical encodings ------------------------------------------------------------------


def test_the_commitment_is_the_sha256_of_the_seed_in_utf8_as_lower_hex():
    assert draws.commitment(SEED) == hashlib.sha256(SEED.encode("utf-8")).hexdigest()
    assert draws.commitment("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_keys_are_hmac_sha256_of_the_canonical_texts_under_the_seed():
    e, o = eid(1), oid(2)
    assert draws.enterprise_key(SEED, e) == hmac.new(SEED.encode(), e.encode(), hashlib.sha256).hexdigest()
    assert draws.inspector_key(SEED, e, o) == hmac.new(SEED.encode(), f"inspector:{e}:{o}".encode(),
                                                       hashlib.sha256).hexdigest()


@pytest.mark.parametrize("ratio, n, k", [("0.1", 30, 3), ("0.1", 31, 4), ("0.3", 10, 3), ("0.25", 4, 1),
                                         ("1", 7, 7), ("0.0001", 5, 1), ("0.5", 0, 0)])
def test_k_is_the_exact_ceiling_of_ratio_times_n(ratio, n, k):
    # 0.1 × 30 in floating point is 3.0000000000000004, whose ceiling would be 4.
    assert draws.Quota(ratio=ratio).k(n) == k


def test_a_count_draws_at_most_the_stratum():
    assert draws.Quota(count=5).k(3) == 3 and draws.Quota(count=5).k(9) == 5


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert draws.months_before(date(2026, 10, 1), 12) == date(2025, 10, 1)
    assert draws.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert draws.months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert draws.months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)


# -- the selection ----------------------------------------------------------------------------


def test_the_selection_is_the_same_for_a_seed_and_differs_across_seeds():
    plan, reg = rules(), register(60)
    first, again = draws.select(SEED, plan, reg), draws.select(SEED, plan, reg)
    assert first == again
    others = {tuple(t.enterprise_id for t in draws.select(f"other-seed-{i}", plan, reg).targets) for i in range(5)}
    assert tuple(t.enterprise_id for t in first.targets) not in others and len(others) == 5


def test_each_stratum_takes_the_k_candidates_with_the_smallest_keys():
    plan, reg = rules(general="0.3", high="0.5", bad="1"), register(40)
    selection = draws.select(SEED, plan, reg)
    for stratum in draws.STRATA:
        members = [c.enterprise_id for c in reg.enterprises if plan.stratum_of(c) is stratum]
        k = plan.quotas[stratum.value].k(len(members))
        expected = sorted(members, key=lambda e: draws.enterprise_key(SEED, e))[:k]
        assert [t.enterprise_id for t in selection.targets if t.stratum == stratum.value] == expected
    assert [s.stratum for s in selection.strata] == ["bad_record", "high_risk", "general"]


def test_a_bad_record_outranks_a_high_risk_category():
    plan = rules()
    bad_meat = draws.Candidate(eid(1), "石桥镇", "small_workshop", ("meat_products",), bad_record=True)
    meat = draws.Candidate(eid(2), "石桥镇", "small_workshop", ("meat_products",), bad_record=False)
    beans = draws.Candidate(eid(3), "石桥镇", "small_workshop", ("bean_products",), bad_record=False)
    assert [plan.stratum_of(c).value for c in (bad_meat, meat, beans)] == ["bad_record", "high_risk", "general"]


def test_only_the_plans_scope_is_drawn():
    plan, reg = rules(general="1", high="1", bad="1", towns=("河口镇",)), register(20)
    chosen = {t.enterprise_id for t in draws.select(SEED, plan, reg).targets}
    assert chosen == {c.enterprise_id for c in reg.enterprises if c.town == "河口镇"}


def test_inspectors_are_the_eligible_ones_with_the_smallest_keys():
    plan, reg = rules(per_target=2), register(10, inspectors=6)
    for target in draws.select(SEED, plan, reg).targets:
        ranked = sorted((i.official_id for i in reg.inspectors),
                        key=lambda o: draws.inspector_key(SEED, target.enterprise_id, o))
        assert target.inspectors == tuple(ranked[:2])


# A chi-squared test of uniformity at alpha = 0.01 with 9 degrees of freedom (10 enterprises):
# the critical value 21.666 is from the standard table (NIST/SEMATECH e-Handbook, 1.3.6.7.4).
# scipy is not installed here; with it, scipy.stats.chi2.ppf(0.99, 9) gives the same 21.666.
CHI2_CRITICAL_DF9_ALPHA_001 = 21.666
SEEDS = [f"uniformity-{i:04d}" for i in range(1000)]  # fixed: the test gives the same answer every run


def _chi_squared(counts: Counter, cells: list[str], expected: float) -> float:
    return sum((counts[c] - expected) ** 2 / expected for c in cells)


@pytest.mark.parametrize("k", [1, 3])
def test_over_1000_seeded_draws_each_enterprise_of_a_stratum_is_chosen_uniformly(k):
    members = [eid(i) for i in range(10)]
    reg = draws.Register(tuple(draws.Candidate(e, "石桥镇", "small_workshop", ("bean_products",), False)
                               for e in members), tuple(draws.Inspector(oid(j), ()) for j in range(2)))
    plan = rules(general=k)
    counts = Counter(t.enterprise_id for seed in SEEDS for t in draws.select(seed, plan, reg).targets)
    assert sum(counts.values()) == 1000 * k
    # Drawing k distinct ones a time is less variable than k independent picks, so for k > 1 the
    # statistic errs on the side of passing; k = 1 is the exact multinomial case.
    assert _chi_squared(counts, members, 1000 * k / 10) < CHI2_CRITICAL_DF9_ALPHA_001


def test_the_uniformity_test_catches_a_steered_order():
    # The same statistic over a draw that always prefers the smallest ids: it must fail.
    members = [eid(i) for i in range(10)]
    counts = Counter(sorted(members)[0] for _ in SEEDS)
    assert _chi_squared(counts, members, 100) > CHI2_CRITICAL_DF9_ALPHA_001


# -- recusal (回避) ---------------------------------------------------------------------------

TOWNS = ("石桥镇", "河口镇", "青山镇")


@st.composite
def plans_and_registers(draw):
    n_enterprises = draw(st.integers(1, 12))
    enterprises = tuple(draws.Candidate(eid(i), draw(st.sampled_from(TOWNS)), "small_workshop",
                                        ("bean_products",), draw(st.booleans())) for i in range(n_enterprises))
    n_inspectors = draw(st.integers(0, 8))
    inspectors = tuple(draws.Inspector(oid(j), tuple(sorted(draw(st.sets(st.sampled_from(TOWNS), max_size=2)))))
                       for j in range(n_inspectors))
    pairs = st.tuples(st.sampled_from([i.official_id for i in inspectors] or [oid(99)]),
                      st.sampled_from([e.enterprise_id for e in enterprises]))
    recent = frozenset(draw(st.lists(pairs, max_size=10)))
    conflicts = frozenset(draw(st.lists(pairs, max_size=10)))
    plan = rules(general="1", high="1", bad="1", per_target=draw(st.integers(2, 3)), cross_town=draw(st.booleans()),
                 recent_months=draw(st.sampled_from([0, 6])))
    return plan, draws.Register(enterprises, inspectors, recent, conflicts), draw(st.text(min_size=1, max_size=20))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(plans_and_registers())
def test_every_assignment_satisfies_every_recusal_rule(case):
    plan, reg, seed = case
    try:
        selection = draws.select(seed, plan, reg)
    except errors.DrawImpossible as e:
        # Refused only when some drawn enterprise really lacks eligible inspectors; and it names it.
        target = next(c for c in reg.enterprises if c.enterprise_id == e.extensions["enterprise_id"])
        eligible = [i for i in reg.inspectors if draws.ineligibility(i, target, plan, reg) is None]
        assert len(eligible) < plan.inspectors_per_target
        assert e.extensions["stratum"] == plan.stratum_of(target).value
        return
    inspectors = {i.official_id: i for i in reg.inspectors}
    candidates = {c.enterprise_id: c for c in reg.enterprises}
    for target in selection.targets:
        enterprise = candidates[target.enterprise_id]
        assert len(set(target.inspectors)) == len(target.inspectors) == plan.inspectors_per_target
        for official_id in target.inspectors:
            inspector = inspectors[official_id]
            assert inspector.covers(enterprise.town)
            assert not (plan.cross_town and enterprise.town in inspector.towns)
            assert not (plan.recent_months and (official_id, enterprise.enterprise_id) in reg.recently_inspected)
            assert (official_id, enterprise.enterprise_id) not in reg.conflicts


def test_an_impossible_plan_is_refused_naming_the_stratum_and_the_enterprise():
    reg = draws.Register((draws.Candidate(eid(1), "石桥镇", "small_workshop", ("meat_products",), False),),
                         (draws.Inspector(oid(1), ()), draws.Inspector(oid(2), ("石桥镇",))),
                         conflicts=frozenset({(oid(1), eid(1))}))
    with pytest.raises(errors.DrawImpossible) as refused:
        draws.select(SEED, rules(high=1, cross_town=True), reg)
    assert refused.value.extensions == {"stratum": "high_risk", "enterprise_id": eid(1)}
    assert "high_risk" in refused.value.detail and eid(1) in refused.value.detail


def test_differences_name_what_a_tampered_selection_changed():
    reg, plan = register(30), rules()
    honest = draws.select(SEED, plan, reg)
    swapped = draws.Target(honest.targets[0].stratum, eid(999), honest.targets[0].inspectors)
    tampered = draws.Selection(honest.strata, (swapped, *honest.targets[1:]))
    found = draws.differences(tampered, honest)
    assert any(eid(999) in d for d in found) and any(honest.targets[0].enterprise_id in d for d in found)
    assert draws.differences(honest, honest) == []


# -- the plan -----------------------------------------------------------------------------------

STRATA = {"bad_record": {"ratio": "0.5"}, "high_risk": {"ratio": 0.3}, "general": {"count": 2}}


def announce(**changes):
    fields = dict(actor=CHIEF, today=TODAY, name="2026年第三批双随机抽查", strata=STRATA, period_start=TODAY,
                  period_end=date(2026, 11, 30), seed_commitment=draws.commitment(SEED))
    return DrawPlan.announce(**{**fields, **changes})


def test_a_plan_stores_the_commitment_and_its_unit_but_not_the_seed():
    plan = announce()
    assert plan.unit == "食品监管办" and plan.seed is None and plan.state == "announced"
    assert plan.seed_commitment == draws.commitment(SEED)
    assert plan.rules.quotas["high_risk"] == draws.Quota(ratio="0.3")


@pytest.mark.parametrize("changes, field", [
    ({"strata": {"general": {"ratio": "0.2"}}}, "strata"),
    ({"strata": {**STRATA, "general": {"ratio": "0.2", "count": 3}}}, "strata.general"),
    ({"strata": {**STRATA, "general": {"ratio": "1.5"}}}, "strata.general.ratio"),
    ({"strata": {**STRATA, "general": {"ratio": "0.12345"}}}, "strata.general.ratio"),
    ({"strata": {**STRATA, "general": {"ratio": "0.6"}}}, "strata.bad_record.ratio"),
    ({"inspectors_per_target": 1}, "inspectors_per_target"),
    ({"period_end": date(2026, 9, 1), "period_start": date(2026, 8, 1)}, "period_end"),
    ({"seed_commitment": "ABC"}, "seed_commitment"),
    ({"name": " "}, "name"),
])
def test_an_invalid_plan_is_refused_naming_the_field(changes, field):
    with pytest.raises(errors.InvalidValue) as refused:
        announce(**changes)
    assert refused.value.field == field


def test_a_seed_that_does_not_hash_to_the_commitment_is_refused():
    plan = announce()
    with pytest.raises(errors.SeedMismatch):
        plan.draw(actor=CHIEF, today=TODAY, seed=SEED + "x", known_at=KNOWN_AT, register=register())
    assert plan.state == "announced" and not plan.pending_events[1:]


def test_a_plan_is_drawn_once_published_after_and_not_cancelled_then():
    plan = announce()
    with pytest.raises(errors.PlanNotOpen):
        plan.publish(actor=CHIEF, today=TODAY)
    plan.draw(actor=CHIEF, today=TODAY, seed=SEED, known_at=KNOWN_AT, register=register())
    assert plan.seed == SEED and plan.selection == draws.select(SEED, plan.rules, register())
    with pytest.raises(errors.PlanNotOpen):
        plan.draw(actor=CHIEF, today=TODAY, seed=SEED, known_at=KNOWN_AT, register=register())
    plan.publish(actor=CHIEF, today=TODAY)
    with pytest.raises(errors.PlanNotOpen):
        plan.cancel(actor=CHIEF, today=TODAY, reason="晚了")
    assert [type(e).__name__ for e in plan.pending_events] == ["Announced", "Drawn", "Published"]
    assert all(e.actor == CHIEF and e.occurred_on == TODAY for e in plan.pending_events)


def test_a_cancelled_plan_is_not_drawn_and_an_inspection_cannot_answer_it():
    plan = announce()
    plan.cancel(actor=CHIEF, today=TODAY, reason="计划调整")
    with pytest.raises(errors.PlanNotOpen):
        plan.draw(actor=CHIEF, today=TODAY, seed=SEED, known_at=KNOWN_AT, register=register())
    with pytest.raises(errors.NotADrawnTarget):
        plan.check_answered_by(eid(0))


def test_a_draw_after_the_period_is_refused():
    plan = announce(period_end=TODAY)
    with pytest.raises(errors.PlanNotOpen):
        plan.draw(actor=CHIEF, today=date(2026, 10, 2), seed=SEED, known_at=KNOWN_AT, register=register())


def test_the_readmes_worked_example_is_what_the_code_draws():
    seed = "石桥镇-2026Q4-7d1e9a"
    towns = ["石桥镇", "河口镇"]
    ids = ["1b4e28ba-2fa1-11d2-883f-0016d3cca427", "6fa459ea-ee8a-3ca4-894e-db77e160355e",
           "886313e1-3b8a-5372-9b90-0c9aee199e5d", "c56a4180-65aa-42ec-a945-5fd21dec0538",
           "16fd2706-8baf-433b-82eb-8c7fada847da"]
    bound, o2, o3, conflicted = ("0b7d3e52-3f4e-4a8c-9a0e-5b2c1d9e8f70", "5d2c8f1a-9b3e-4c7d-8e6f-1a2b3c4d5e6f",
                                 "a3f1c2d4-e5b6-4789-9abc-def012345678", "e4d909c2-90d0-4fb8-a2d3-3c1c5b1f0a99")
    reg = draws.Register(
        tuple(draws.Candidate(e, towns[i % 2], "small_workshop", ("bean_products",), False) for i, e in enumerate(ids)),
        (draws.Inspector(bound, ("河口镇", "石桥镇")), draws.Inspector(o2, ()), draws.Inspector(o3, ()),
         draws.Inspector(conflicted, ())), conflicts=frozenset({(conflicted, ids[3])}))
    plan = draws.PlanRules((), (), (), (), {"bad_record": draws.Quota(ratio="1"), "high_risk": draws.Quota(ratio="1"),
                                            "general": draws.Quota(ratio="0.4")}, 2, True, 0)
    assert draws.commitment(seed) == "a0f05cc5c33712b2f43bbe50f005e2fdf5aa6796a0b6721b0911c9d35e38c261"
    assert draws.select(seed, plan, reg).targets == (draws.Target("general", ids[3], (o3, o2)),
                                                     draws.Target("general", ids[1], (o2, conflicted)))
