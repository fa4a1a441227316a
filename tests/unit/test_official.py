"""The Official aggregate: roles, towns, tokens, deactivation."""

from datetime import date

import pytest

from domain import errors
from domain.actor import SYSTEM
from domain.acts import Act
from domain.official import Official, hash_token
from domain.permissions import authorise, may

TODAY = date(2026, 10, 1)


def appoint(role="inspector", towns=("石桥镇",)):
    return Official.appoint(actor=SYSTEM, today=TODAY, name="王芳", unit="石桥镇质监站", role=role, towns=towns)


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("inspector", {Act.REGISTER, Act.INSPECT, Act.RECORD_SAMPLE, Act.DECLARE_CONFLICT}),
        ("supervisor", set(Act)),
        ("auditor", set()),
        ("admin", set()),
    ],
)
def test_each_role_may_record_exactly_its_acts(role, allowed):
    caller = appoint(role=role).as_caller
    assert {act for act in Act if may(caller, act)} == allowed


def test_an_official_with_towns_covers_only_those_towns():
    caller = appoint(towns=["石桥镇", "河口镇"]).as_caller
    assert caller.covers("石桥镇") and caller.covers("河口镇") and not caller.covers("青山镇")
    authorise(caller, Act.INSPECT, "河口镇")
    with pytest.raises(errors.NotPermitted, match="青山镇 不在 王芳 的辖区"):
        authorise(caller, Act.INSPECT, "青山镇")


def test_an_official_without_towns_acts_unit_wide():
    assert appoint(towns=[]).as_caller.covers("任何镇")


def test_a_refusal_names_the_role_and_the_act_in_chinese():
    with pytest.raises(errors.NotPermitted, match="质监员无权关停"):
        authorise(appoint().as_caller, Act.CLOSE, "石桥镇")


def test_reassignment_changes_towns_and_role():
    official = appoint()
    official.reassign(actor=SYSTEM, today=TODAY, towns=["青山镇"], role="supervisor")
    assert official.towns == ["青山镇"] and may(official.as_caller, Act.CLOSE)


def test_only_hashes_of_tokens_are_kept_and_revoked_ones_are_dropped():
    official = appoint()
    official.issue_token(actor=SYSTEM, today=TODAY, token_hash=hash_token("zj_secret"))
    assert official.token_hashes == [hash_token("zj_secret")] and "zj_secret" not in official.token_hashes
    official.revoke_token(actor=SYSTEM, today=TODAY, token_hash=hash_token("zj_secret"))
    assert official.token_hashes == []
    with pytest.raises(errors.NotFound):
        official.revoke_token(actor=SYSTEM, today=TODAY, token_hash=hash_token("zj_secret"))


def test_a_deactivated_official_may_do_nothing_and_cannot_be_given_tokens():
    official = appoint(role="supervisor")
    official.issue_token(actor=SYSTEM, today=TODAY, token_hash=hash_token("t"))
    official.deactivate(actor=SYSTEM, today=TODAY, reason="调离")
    assert not may(official.as_caller, Act.INSPECT) and official.token_hashes == []
    with pytest.raises(errors.OfficialInactive):
        official.issue_token(actor=SYSTEM, today=TODAY, token_hash=hash_token("t2"))


def test_an_official_needs_a_name_and_a_unit():
    with pytest.raises(errors.BlankValue):
        Official.appoint(actor=SYSTEM, today=TODAY, name=" ", unit="站", role="inspector")
    with pytest.raises(errors.BlankValue):
        Official.appoint(actor=SYSTEM, today=TODAY, name="王芳", unit="", role="inspector")
