"""The random draw (双随机): which enterprises a plan inspects and who inspects each, as a pure function.

`select(seed, plan, register, day)` is the whole of it: the same seed, plan and register
give the same selection on any machine, so anyone holding the log can recompute a draw
(README, "Random inspections"). Canonical encodings, fixed here and nowhere else:

- the seed is text; its bytes are its UTF-8; the plan's commitment is SHA-256 of those
  bytes, as 64 lower-case hex digits;
- an enterprise's key is HMAC-SHA256(key = seed bytes, message = the enterprise id as
  lower-case hyphenated UUID text, UTF-8); an inspector's key for an enterprise is
  HMAC-SHA256(seed bytes, "inspector:" + enterprise id + ":" + official id);
- keys are compared as bytes (equivalently as their lower-case hex), smallest first;
- k = ceil(ratio × n) computed exactly (the ratio is decimal text, never a float), or
  min(count, n).

Each candidate falls in the first stratum that holds (STRATA's order): a bad record in
the last 12 months (a failed sample, or an order overdue on some day of them), then a
high-risk category, then general.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from domain import errors
from domain.values import Labelled


class Stratum(Labelled):
    BAD_RECORD = ("bad_record", "近12个月有抽检不合格或逾期未整改")
    HIGH_RISK = ("high_risk", "高风险品类")
    GENERAL = ("general", "一般")


STRATA: tuple[Stratum, ...] = (Stratum.BAD_RECORD, Stratum.HIGH_RISK, Stratum.GENERAL)
BAD_RECORD_MONTHS = 12
INSPECTING_ROLES = ("inspector", "supervisor")  # who may record an inspection, so who may be drawn


# -- canonical encodings -----------------------------------------------------------------


def commitment(seed: str) -> str:
    """SHA-256 of the seed's UTF-8 bytes, lower-case hex: what a plan announces before its draw."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def enterprise_key(seed: str, enterprise_id: str) -> str:
    return _hmac(seed, enterprise_id)


def inspector_key(seed: str, enterprise_id: str, official_id: str) -> str:
    return _hmac(seed, f"inspector:{enterprise_id}:{official_id}")


def _hmac(seed: str, message: str) -> str:
    return hmac.new(seed.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = (next_month - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


# -- the plan's rules --------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """How many of a stratum's n candidates are drawn: ceil(ratio × n), or min(count, n)."""

    ratio: str | None = None  # decimal text, 0 < ratio <= 1, at most 4 decimal places
    count: int | None = None

    @classmethod
    def parse(cls, stratum: str, data: dict[str, Any]) -> Quota:
        ratio, count = data.get("ratio"), data.get("count")
        if (ratio is None) == (count is None):
            raise errors.InvalidPlan(f"分层 {stratum} 须给出比例或数量之一 "
                                     f"(stratum {stratum}: give a ratio or a count)",
                                     field=f"strata.{stratum}")
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100_000:
                raise errors.InvalidPlan(f"分层 {stratum} 的数量须为 0–100000 的整数 (count: an integer 0–100000)",
                                         field=f"strata.{stratum}.count")
            return cls(count=count)
        try:
            value = Decimal(str(ratio)).normalize()
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not 0 < value <= 1 or -value.as_tuple().exponent > 4:  # type: ignore[operator]
            raise errors.InvalidPlan(
                f"分层 {stratum} 的比例须在 0 与 1 之间，最多四位小数 (ratio: above 0, at most 1, at most 4 decimals)",
                field=f"strata.{stratum}.ratio")
        return cls(ratio=_canonical_decimal(value))

    def k(self, n: int) -> int:
        if self.count is not None:
            return min(self.count, n)
        assert self.ratio is not None  # noqa: S101 - the constructor refuses a quota with neither
        return min(n, math.ceil(Fraction(self.ratio) * n))  # exact: Fraction("0.1") * 30 == 3

    def as_dict(self) -> dict[str, Any]:
        return {"ratio": self.ratio} if self.ratio is not None else {"count": self.count}


def _canonical_decimal(value: Decimal) -> str:
    """The ratio as stored: plain decimal text without trailing zeros ("0.25", "1")."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class PlanRules:
    """What a plan says that the draw depends on."""

    towns: tuple[str, ...]  # empty: every town
    kinds: tuple[str, ...]  # empty: every kind
    categories: tuple[str, ...]  # empty: any; else enterprises making at least one of them
    high_risk_categories: tuple[str, ...]
    quotas: dict[str, Quota]  # by Stratum value, one for each
    inspectors_per_target: int
    cross_town: bool  # an inspector bound to the enterprise's town is not drawn for it
    recent_months: int  # nor one who inspected it in the last N months (0: no such rule)

    def in_scope(self, candidate: Candidate) -> bool:
        return ((not self.towns or candidate.town in self.towns)
                and (not self.kinds or candidate.kind in self.kinds)
                and (not self.categories or bool(set(self.categories) & set(candidate.categories))))

    def stratum_of(self, candidate: Candidate) -> Stratum:
        if candidate.bad_record:
            return Stratum.BAD_RECORD
        if set(self.high_risk_categories) & set(candidate.categories):
            return Stratum.HIGH_RISK
        return Stratum.GENERAL


# -- the register the draw reads --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An enterprise in the register on the draw day (registered, not closed), as known at the draw's known_at."""

    enterprise_id: str  # lower-case hyphenated UUID text
    town: str
    kind: str
    categories: tuple[str, ...]
    bad_record: bool  # a failed sample, or an order overdue on some day, in the 12 months up to the draw day


@dataclass(frozen=True)
class Inspector:
    """An official in the inspectors' register: active on the draw day, with a role that inspects."""

    official_id: str
    towns: tuple[str, ...]  # empty: unit-wide

    def covers(self, town: str) -> bool:
        return not self.towns or town in self.towns


@dataclass(frozen=True)
class Register:
    enterprises: tuple[Candidate, ...]
    inspectors: tuple[Inspector, ...]
    recently_inspected: frozenset[tuple[str, str]] = frozenset()  # (official id, enterprise id), last N months
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (official id, enterprise id), declared


# -- the draw ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    stratum: str
    enterprise_id: str
    inspectors: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"stratum": self.stratum, "enterprise_id": self.enterprise_id, "inspectors": list(self.inspectors)}


@dataclass(frozen=True)
class StratumCount:
    stratum: str
    candidates: int
    chosen: int

    def as_dict(self) -> dict[str, Any]:
        return {"stratum": self.stratum, "candidates": self.candidates, "chosen": self.chosen}


@dataclass(frozen=True)
class Selection:
    strata: tuple[StratumCount, ...]
    targets: tuple[Target, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"strata": [s.as_dict() for s in self.strata], "targets": [t.as_dict() for t in self.targets]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        return cls(tuple(StratumCount(s["stratum"], int(s["candidates"]), int(s["chosen"])) for s in data["strata"]),
                   tuple(Target(t["stratum"], t["enterprise_id"], tuple(t["inspectors"])) for t in data["targets"]))


# Why an inspector is passed over for an enterprise, checked in this order.
NOT_COVERING = "not-covering"  # bound to other towns: may not record an inspection there
OWN_TOWN = "own-town"  # cross_town: bound to the enterprise's town
RECENTLY_INSPECTED = "recently-inspected"  # inspected it in the last recent_months
DECLARED_CONFLICT = "declared-conflict"  # declared a conflict with it


def ineligibility(inspector: Inspector, candidate: Candidate, rules: PlanRules, register: Register) -> str | None:
    """The first recusal rule that keeps this inspector off this enterprise, or None if none does."""
    if not inspector.covers(candidate.town):
        return NOT_COVERING
    if rules.cross_town and candidate.town in inspector.towns:
        return OWN_TOWN
    pair = (inspector.official_id, candidate.enterprise_id)
    if rules.recent_months > 0 and pair in register.recently_inspected:
        return RECENTLY_INSPECTED
    if pair in register.conflicts:
        return DECLARED_CONFLICT
    return None


def select(seed: str, rules: PlanRules, register: Register) -> Selection:
    """The draw: per stratum, the k candidates with the smallest keys; for each, the eligible inspectors with
    the smallest keys. DrawImpossible names the first drawn enterprise (in the selection's order) that has
    too few eligible inspectors."""
    by_stratum: dict[Stratum, list[Candidate]] = {s: [] for s in STRATA}
    for candidate in register.enterprises:
        if rules.in_scope(candidate):
            by_stratum[rules.stratum_of(candidate)].append(candidate)
    counts, targets = [], []
    for stratum in STRATA:
        candidates = sorted(by_stratum[stratum],
                            key=lambda c: (enterprise_key(seed, c.enterprise_id), c.enterprise_id))
        k = rules.quotas[stratum.value].k(len(candidates))
        counts.append(StratumCount(stratum.value, len(candidates), k))
        for candidate in candidates[:k]:
            targets.append(Target(stratum.value, candidate.enterprise_id,
                                  _inspectors_for(seed, candidate, stratum, rules, register)))
    return Selection(tuple(counts), tuple(targets))


def _inspectors_for(seed: str, candidate: Candidate, stratum: Stratum, rules: PlanRules,
                    register: Register) -> tuple[str, ...]:
    eligible = [i.official_id for i in register.inspectors if ineligibility(i, candidate, rules, register) is None]
    if len(eligible) < rules.inspectors_per_target:
        raise errors.DrawImpossible(
            f"分层「{stratum.label}」({stratum.value}) 抽中的企业 {candidate.enterprise_id} 只有 {len(eligible)} 名"
            f"符合回避规则的检查人员，需要 {rules.inspectors_per_target} 名 (stratum {stratum.value}: enterprise "
            f"{candidate.enterprise_id} has {len(eligible)} eligible inspectors, the plan needs "
            f"{rules.inspectors_per_target})",
            stratum=stratum.value, enterprise_id=candidate.enterprise_id,
        )
    eligible.sort(key=lambda o: (inspector_key(seed, candidate.enterprise_id, o), o))
    return tuple(eligible[:rules.inspectors_per_target])


def differences(recorded: Selection, recomputed: Selection) -> list[str]:
    """Where a recorded selection departs from the one recomputed, in words; empty when they are identical."""
    out = []
    if recorded.strata != recomputed.strata:
        out.append(f"strata: recorded {[s.as_dict() for s in recorded.strata]}, "
                   f"recomputed {[s.as_dict() for s in recomputed.strata]}")
    got = {t.enterprise_id: t for t in recorded.targets}
    want = {t.enterprise_id: t for t in recomputed.targets}
    out += [f"enterprise {e} recorded as drawn, not drawn by the seed" for e in sorted(set(got) - set(want))]
    out += [f"enterprise {e} drawn by the seed, not recorded" for e in sorted(set(want) - set(got))]
    for e in sorted(set(got) & set(want)):
        if got[e] != want[e]:
            out.append(f"enterprise {e}: recorded {got[e].as_dict()}, recomputed {want[e].as_dict()}")
    if not out and recorded.targets != recomputed.targets:
        out.append("targets recorded in another order than the seed gives")
    return out
