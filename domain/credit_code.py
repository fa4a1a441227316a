"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

from domain.errors import InvalidCreditCode

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Weight of position i (1-based) is 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character for the first seventeen characters of a code."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return code.strip().upper()


def validate(code: str, *, verified_by_hand: bool = False) -> str:
    """Return the normalised code, or raise InvalidCreditCode saying what is wrong.

    A code whose check character fails is accepted only when an official says it
    was verified by hand: some legal early codes fail the check.
    """
    code = normalise(code)
    if len(code) != LENGTH:
        raise InvalidCreditCode(f"统一社会信用代码应为18位，实为{len(code)}位 (must be 18 characters, got {len(code)})")
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise InvalidCreditCode(
            f"统一社会信用代码含非法字符 {''.join(bad)} "
            f"(characters not allowed: {''.join(bad)}; I, O, S, V, Z are never used)"
        )
    expected = check_character(code[:17])
    if code[17] != expected and not verified_by_hand:
        raise InvalidCreditCode(
            f"统一社会信用代码校验位错误：应为 {expected}，实为 {code[17]} "
            f"(check character should be {expected}; "
            "set credit_code_verified_by_hand if the code was checked against the licence)"
        )
    return code
