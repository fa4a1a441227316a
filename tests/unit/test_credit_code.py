"""The unified social credit code (GB 32100-2015), checked against hand-computed values."""

import pytest

from domain import credit_code
from domain.errors import InvalidCreditCode


@pytest.mark.parametrize("code", ["91430111MA4L41YT1U", "91350200776049653A"])
def test_accepts_published_valid_codes(code):
    assert credit_code.validate(code) == code


def test_weights_are_powers_of_three_mod_31():
    assert credit_code.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_check_character_matches_a_hand_computation():
    # 91350200776049653A: values 9,1,3,5,0,2,0,0,7,7,6,0,4,9,6,5,3 times the weights
    values = [9, 1, 3, 5, 0, 2, 0, 0, 7, 7, 6, 0, 4, 9, 6, 5, 3]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    # 9+3+27+135+0+52+0+0+140+203+150+0+32+216+60+150+84 = 1261; 1261 mod 31 = 21; 31-21 = 10
    assert total == 1261 and (31 - total % 31) % 31 == 10  # alphabet[10] == "A"
    assert credit_code.check_character("91350200776049653") == "A"


def test_normalises_lower_case_and_spaces():
    assert credit_code.validate(" 91430111ma4l41yt1u ") == "91430111MA4L41YT1U"


@pytest.mark.parametrize("code", ["91430111MA4L41YT1", "91430111MA4L41YT1UU", ""])
def test_refuses_wrong_length(code):
    with pytest.raises(InvalidCreditCode, match="18"):
        credit_code.validate(code)


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "中"])
def test_refuses_characters_outside_the_alphabet(bad):
    code = "91430111MA4L41YT1U"
    with pytest.raises(InvalidCreditCode, match="非法字符"):
        credit_code.validate(code[:5] + bad + code[6:])


def test_refuses_a_wrong_check_character():
    with pytest.raises(InvalidCreditCode, match="校验位"):
        credit_code.validate("91430111MA4L41YT1A")


def test_early_code_failing_the_check_is_refused_unless_verified_by_hand():
    early = "91350100M0001TGQXM"
    with pytest.raises(InvalidCreditCode):
        credit_code.validate(early)
    assert credit_code.validate(early, verified_by_hand=True) == early


def test_verified_by_hand_does_not_excuse_bad_characters_or_length():
    with pytest.raises(InvalidCreditCode):
        credit_code.validate("91350100M0001TGQXO", verified_by_hand=True)
    with pytest.raises(InvalidCreditCode):
        credit_code.validate("91350100M0001TGQ", verified_by_hand=True)
