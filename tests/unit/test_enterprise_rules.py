"""Every rule of the Enterprise aggregate: each test fails if its rule is removed."""

from datetime import date
from uuid import uuid4

import pytest

from domain import errors
from domain.actor import Actor
from domain.enterprise import Enterprise
from domain.values import Role

ACTOR = Actor(uuid4(), "王芳", "石桥镇质监站", Role.SUPERVISOR)
TODAY = date(2026, 10, 1)
REGISTERED_ON = date(2026, 8, 5)


def workshop(**overrides):
    fields = dict(
        actor=ACTOR, today=TODAY, occurred_on=REGISTERED_ON, name="张记豆腐坊", town="石桥镇",
        area="rural", kind="small_workshop", product_categories=["bean_products"],
    )
    fields.update(overrides)
    return Enterprise.register(**fields)


def act(**kw):
    return dict(actor=ACTOR, today=TODAY, **kw)


def order(e, order_no="整改〔2026〕1号", on=date(2026, 8, 10), deadline=date(2026, 8, 30)):
    e.order_to_rectify(**act(occurred_on=on, order_no=order_no, deadline=deadline, items=["清理原料库"]))


# -- registration ---------------------------------------------------------------------


def test_registration_records_the_fields_and_a_first_version():
    e = workshop(credit_code="91430111MA4L41YT1U")
    assert (e.version, e.name, e.town, e.credit_code, e.registered_on) == (
        1, "张记豆腐坊", "石桥镇", "91430111MA4L41YT1U", REGISTERED_ON,
    )


def test_registration_without_a_credit_code_is_allowed():
    assert workshop().credit_code is None


def test_registration_refuses_an_invalid_credit_code():
    with pytest.raises(errors.InvalidCreditCode):
        workshop(credit_code="91430111MA4L41YT1A")


def test_registration_keeps_the_verified_by_hand_flag_in_the_event():
    e = workshop(credit_code="91350100M0001TGQXM", credit_code_verified_by_hand=True)
    (registered,) = e.collect_events()
    assert registered.credit_code_verified_by_hand is True


def test_registration_refuses_a_future_date():
    with pytest.raises(errors.DateInFuture):
        workshop(occurred_on=date(2026, 10, 2))


def test_registration_refuses_a_blank_name():
    with pytest.raises(errors.BlankValue):
        workshop(name="  ")


# -- dates ------------------------------------------------------------------------------


def test_an_act_may_not_be_dated_after_today():
    e = workshop()
    with pytest.raises(errors.DateInFuture):
        e.inspect(**act(occurred_on=date(2026, 10, 2), outcome="compliant"))


def test_an_act_may_be_dated_today():
    e = workshop()
    e.inspect(**act(occurred_on=TODAY, outcome="compliant"))
    assert e.version == 2


def test_an_act_may_not_be_dated_before_registration():
    e = workshop()
    with pytest.raises(errors.BeforeRegistration):
        e.inspect(**act(occurred_on=date(2026, 8, 4), outcome="compliant"))


# -- closure ----------------------------------------------------------------------------


def closed_workshop():
    e = workshop()
    e.close(**act(occurred_on=date(2026, 9, 1), reason="fringe_workshop", decision_no="关〔2026〕3号"))
    return e


def test_a_closed_enterprise_refuses_acts_dated_from_its_closure():
    e = closed_workshop()
    with pytest.raises(errors.EnterpriseClosed):
        order(e, on=date(2026, 9, 2), deadline=date(2026, 9, 20))
    with pytest.raises(errors.EnterpriseClosed):
        e.close(**act(occurred_on=date(2026, 9, 5), reason="other"))


def test_a_closed_enterprise_still_accepts_inspections_and_retractions():
    e = closed_workshop()
    e.inspect(**act(occurred_on=date(2026, 9, 15), outcome="compliant", notes="确认已停产"))
    e.retract(**act(occurred_on=TODAY, event_version=2, reason="关停决定书编号有误"))
    assert e.closed_on is None
    order(e, on=date(2026, 9, 20), deadline=date(2026, 9, 30))  # open again after the retraction


def test_a_late_record_of_an_act_before_the_closure_is_accepted():
    e = closed_workshop()
    order(e, on=date(2026, 8, 20), deadline=date(2026, 8, 31))
    assert e.order("整改〔2026〕1号") is not None


# -- orders to rectify --------------------------------------------------------------------


def test_an_order_lists_at_least_one_item():
    e = workshop()
    with pytest.raises(errors.NoItems):
        e.order_to_rectify(**act(occurred_on=date(2026, 8, 10), order_no="1", deadline=date(2026, 8, 30), items=[" "]))


def test_an_order_deadline_is_after_its_date():
    e = workshop()
    with pytest.raises(errors.DeadlineNotAfterOrder):
        order(e, on=date(2026, 8, 10), deadline=date(2026, 8, 10))


def test_an_order_number_is_unique_within_the_enterprise():
    e = workshop()
    order(e)
    with pytest.raises(errors.DuplicateOrderNo):
        order(e, on=date(2026, 8, 12), deadline=date(2026, 9, 12))


def test_the_same_order_number_may_be_used_by_another_enterprise():
    a, b = workshop(), workshop(name="李记豆芽坊")
    order(a)
    order(b)
    assert a.order("整改〔2026〕1号") and b.order("整改〔2026〕1号")


# -- verifications ------------------------------------------------------------------------


def test_a_verification_refers_to_an_existing_order():
    e = workshop()
    with pytest.raises(errors.OrderNotOpen):
        e.verify_rectification(**act(occurred_on=date(2026, 8, 20), order_no="无此号", passed=True))


def test_a_passed_verification_closes_the_order_and_a_failed_one_leaves_it_open():
    e = workshop()
    order(e)
    e.verify_rectification(**act(occurred_on=date(2026, 8, 20), order_no="整改〔2026〕1号", passed=False))
    assert e.order_is_open("整改〔2026〕1号")
    e.verify_rectification(**act(occurred_on=date(2026, 8, 28), order_no="整改〔2026〕1号", passed=True))
    assert not e.order_is_open("整改〔2026〕1号")
    with pytest.raises(errors.OrderNotOpen):
        e.verify_rectification(**act(occurred_on=date(2026, 8, 29), order_no="整改〔2026〕1号", passed=True))


def test_a_verification_is_dated_on_or_after_its_order():
    e = workshop()
    order(e, on=date(2026, 8, 10))
    with pytest.raises(errors.VerificationBeforeOrder):
        e.verify_rectification(**act(occurred_on=date(2026, 8, 9), order_no="整改〔2026〕1号", passed=True))
    e.verify_rectification(**act(occurred_on=date(2026, 8, 10), order_no="整改〔2026〕1号", passed=True))


# -- licenses -------------------------------------------------------------------------------


def license_(e, no="SC10643010500123", on=date(2026, 8, 20), type_="workshop_registration", until=date(2029, 8, 19)):
    e.grant_license(**act(occurred_on=on, license_type=type_, license_no=no, valid_until=until))


def test_a_license_number_is_unique_within_the_enterprise():
    e = workshop()
    license_(e)
    with pytest.raises(errors.DuplicateLicenseNo):
        license_(e, on=date(2026, 8, 21))


def test_a_license_is_valid_until_after_its_date():
    e = workshop()
    with pytest.raises(errors.ValidUntilNotAfterGrant):
        license_(e, until=date(2026, 8, 20))


@pytest.mark.parametrize(
    "kind, fits, misfit",
    [
        ("food_producer", "food_production", "workshop_registration"),
        ("small_workshop", "workshop_registration", "food_production"),
        ("sales_point", "food_business", "food_production"),
        ("licensed_product_maker", "industrial_production", "ccc"),
        ("ccc_product_maker", "ccc", "industrial_production"),
    ],
)
def test_a_license_type_fits_the_enterprise_kind(kind, fits, misfit):
    e = workshop(kind=kind)
    with pytest.raises(errors.LicenseTypeMismatch):
        license_(e, type_=misfit)
    license_(e, type_=fits)


# -- annual reviews ---------------------------------------------------------------------------


def test_only_a_held_license_can_be_reviewed():
    e = workshop()
    with pytest.raises(errors.LicenseNotHeld):
        e.review_license(**act(occurred_on=date(2026, 9, 1), license_no="SC10643010500123", year=2026))


def test_one_review_per_license_per_year():
    e = workshop()
    license_(e)
    e.review_license(**act(occurred_on=date(2026, 9, 1), license_no="SC10643010500123", year=2026))
    with pytest.raises(errors.DuplicateReview):
        e.review_license(**act(occurred_on=date(2026, 9, 2), license_no="SC10643010500123", year=2026))
    e.review_license(**act(occurred_on=date(2026, 9, 2), license_no="SC10643010500123", year=2027))


def test_a_review_is_not_dated_before_the_grant():
    e = workshop()
    license_(e, on=date(2026, 8, 20))
    with pytest.raises(errors.ReviewBeforeGrant):
        e.review_license(**act(occurred_on=date(2026, 8, 19), license_no="SC10643010500123", year=2026))


def test_a_retracted_license_can_no_longer_be_reviewed():
    e = workshop()
    license_(e)
    e.retract(**act(occurred_on=TODAY, event_version=2, reason="证号录错"))
    with pytest.raises(errors.LicenseNotHeld):
        e.review_license(**act(occurred_on=date(2026, 9, 1), license_no="SC10643010500123", year=2026))


# -- samples ----------------------------------------------------------------------------------


def sample(e, no="CJ2026-001", result="pass", failed=()):
    e.record_sample(**act(occurred_on=date(2026, 9, 3), sample_no=no, product_category="bean_products",
                          result=result, failed_items=failed, lab="市质检所"))


def test_a_sample_number_is_unique_within_the_enterprise():
    e = workshop()
    sample(e)
    with pytest.raises(errors.DuplicateSampleNo):
        sample(e, result="fail", failed=["苯甲酸"])


def test_a_failed_sample_lists_at_least_one_failed_item():
    e = workshop()
    with pytest.raises(errors.FailedSampleWithoutItems):
        sample(e, result="fail", failed=[])
    sample(e, result="fail", failed=["苯甲酸"])
    assert type(e.collect_events()[-1]).__name__ == "SampleFailed"


# -- inspections ------------------------------------------------------------------------------


def test_a_violation_lists_at_least_one_finding():
    e = workshop()
    with pytest.raises(errors.ViolationWithoutFindings):
        e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="violation", findings=[]))
    e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="violation", findings=["three_no"]))


# -- retractions ------------------------------------------------------------------------------


def test_a_retraction_gives_a_reason():
    e = workshop()
    e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="compliant"))
    with pytest.raises(errors.ReasonRequired):
        e.retract(**act(occurred_on=TODAY, event_version=2, reason=" "))


def test_the_registration_cannot_be_retracted():
    e = workshop()
    with pytest.raises(errors.CannotRetract):
        e.retract(**act(occurred_on=TODAY, event_version=1, reason="重复建档"))


def test_a_retraction_names_an_existing_event():
    e = workshop()
    with pytest.raises(errors.CannotRetract):
        e.retract(**act(occurred_on=TODAY, event_version=7, reason="录入错误"))


def test_an_event_is_retracted_at_most_once():
    e = workshop()
    e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="compliant"))
    e.retract(**act(occurred_on=TODAY, event_version=2, reason="录入错误"))
    with pytest.raises(errors.CannotRetract, match="已于"):
        e.retract(**act(occurred_on=TODAY, event_version=2, reason="录入错误"))


def test_a_retraction_cannot_be_retracted():
    e = workshop()
    e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="compliant"))
    e.retract(**act(occurred_on=TODAY, event_version=2, reason="录入错误"))
    with pytest.raises(errors.CannotRetract):
        e.retract(**act(occurred_on=TODAY, event_version=3, reason="撤销更正"))


def test_an_order_with_a_live_verification_cannot_be_retracted_first():
    e = workshop()
    order(e)
    e.verify_rectification(**act(occurred_on=date(2026, 8, 20), order_no="整改〔2026〕1号", passed=True))
    with pytest.raises(errors.CannotRetract, match="depend"):
        e.retract(**act(occurred_on=TODAY, event_version=2, reason="录入错误"))
    e.retract(**act(occurred_on=TODAY, event_version=3, reason="复查记录有误"))
    assert e.order_is_open("整改〔2026〕1号")


def test_a_retracted_sample_number_may_be_used_again():
    e = workshop()
    sample(e)
    e.retract(**act(occurred_on=TODAY, event_version=2, reason="样品编号录错"))
    sample(e)
    assert e.version == 4


def test_replaying_the_events_rebuilds_the_same_state():
    e = workshop()
    order(e)
    e.verify_rectification(**act(occurred_on=date(2026, 8, 20), order_no="整改〔2026〕1号", passed=True))
    sample(e)
    e.retract(**act(occurred_on=TODAY, event_version=4, reason="样品编号录错"))
    events = e.collect_events()
    copy = None
    for ev in events:
        copy = ev.mutate(copy)
    assert copy.acts == e.acts and copy.retracted == e.retracted == {4: 5}


# -- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("name", "张记\x00豆腐坊"), ("address", "建设路\x1b1号"), ("notes", "a\x07")])
def test_text_with_control_characters_is_refused_naming_the_field(field, value):
    with pytest.raises(errors.ControlCharacters) as refused:
        workshop(**{field: value})
    assert refused.value.field == field


def test_line_breaks_and_tabs_in_notes_are_kept():
    e = workshop()
    e.inspect(**act(occurred_on=date(2026, 9, 1), outcome="compliant", notes="第一行\n\t第二行"))
    assert e.collect_events()[-1].notes == "第一行\n\t第二行"


def test_control_characters_in_a_list_of_items_are_refused():
    e = workshop()
    with pytest.raises(errors.ControlCharacters) as refused:
        e.order_to_rectify(**act(occurred_on=date(2026, 8, 10), order_no="1", deadline=date(2026, 8, 30),
                                 items=["清理\x00原料库"]))
    assert refused.value.field == "items"
