"""The campaign's settings: its year, phases, focus and high-risk categories, deadlines and targets.

They come from a TOML file. The packaged default (`campaign.default.toml`) mirrors the
bureau's plan; a deployment points `ZHIJIAN_CAMPAIGN_FILE` at its own file, whose keys
override the default's (tables key by key, lists as a whole).

Dates are written month-day ("08-03") in the campaign year, or as full dates. The year
may be "auto": the latest year whose first phase has begun by the report's date, so a
report dated in March reads the campaign of the previous August.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from domain.values import ProductCategory

DEFAULT_FILE = Path(__file__).with_name("campaign.default.toml")
ENV_VAR = "ZHIJIAN_CAMPAIGN_FILE"

DateSpec = date | tuple[int, int]  # a full date, or (month, day) in the campaign year


class CampaignSettingsError(ValueError):
    """The campaign file says something that cannot be a campaign."""


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class FocusList:
    key: str
    label: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Campaign:
    """The settings resolved for one year: every date concrete."""

    year: int
    phases: tuple[Phase, ...]
    licensing_deadline: date
    review_target: float
    high_risk_categories: tuple[str, ...]
    follow_up_categories: tuple[str, ...]
    focus: tuple[FocusList, ...]
    compliant_then_failed_days: int

    def phase_on(self, day: date) -> Phase | None:
        return next((p for p in self.phases if day in p), None)


@dataclass(frozen=True)
class _PhaseSpec:
    key: str
    label: str
    start: DateSpec
    end: DateSpec


@dataclass(frozen=True)
class CampaignSettings:
    """The settings as written: the year may be left to the report's date."""

    year: int | None
    phases: tuple[_PhaseSpec, ...]
    licensing_deadline: DateSpec
    review_target: float
    high_risk_categories: tuple[str, ...]
    follow_up_categories: tuple[str, ...]
    focus: tuple[FocusList, ...]
    compliant_then_failed_days: int

    def year_for(self, as_of: date) -> int:
        if self.year is not None:
            return self.year
        first = self.phases[0].start
        if isinstance(first, date):
            return first.year
        return as_of.year if _on(first, as_of.year) <= as_of else as_of.year - 1

    def campaign_for(self, as_of: date) -> Campaign:
        year = self.year_for(as_of)
        return Campaign(
            year=year,
            phases=tuple(Phase(p.key, p.label, _on(p.start, year), _on(p.end, year)) for p in self.phases),
            licensing_deadline=_on(self.licensing_deadline, year),
            review_target=self.review_target,
            high_risk_categories=self.high_risk_categories,
            follow_up_categories=self.follow_up_categories,
            focus=self.focus,
            compliant_then_failed_days=self.compliant_then_failed_days,
        )


def _on(spec: DateSpec, year: int) -> date:
    return spec if isinstance(spec, date) else date(year, *spec)


def load_campaign_settings(path: Path | str | None = None) -> CampaignSettings:
    """The default settings, overridden by `path` or else by the file named in ZHIJIAN_CAMPAIGN_FILE."""
    data = _read(DEFAULT_FILE)
    override = path or os.environ.get(ENV_VAR)
    if override:
        data = _merge(data, _read(Path(override)))
    return parse_campaign_settings(data)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CampaignSettingsError(f"活动设置文件无法读取 (cannot read campaign settings {path}): {e}") from e


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def parse_campaign_settings(data: Mapping[str, Any]) -> CampaignSettings:
    try:
        year = data.get("year", "auto")
        phases = tuple(
            _PhaseSpec(str(p["key"]), str(p["label"]), _date_spec(p["start"]), _date_spec(p["end"]))
            for p in data["phases"]
        )
        settings = CampaignSettings(
            year=None if year == "auto" else int(year),
            phases=phases,
            licensing_deadline=_date_spec(data["licensing"]["deadline"]),
            review_target=float(data["annual_review"]["target"]),
            high_risk_categories=_categories(data["sampling"]["high_risk_categories"]),
            follow_up_categories=_categories(data["sampling"]["follow_up_categories"]),
            focus=tuple(
                FocusList(str(f["key"]), str(f["label"]), _categories(f["categories"])) for f in data["focus"]
            ),
            compliant_then_failed_days=int(data["accountability"]["compliant_then_failed_days"]),
        )
    except (KeyError, TypeError) as e:
        raise CampaignSettingsError(f"活动设置缺少或错写了 {e} (campaign settings: missing or malformed {e})") from e
    _check(settings)
    return settings


def _date_spec(value: Any) -> DateSpec:
    if isinstance(value, date):
        return value
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2000, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise CampaignSettingsError(f"日期应为 MM-DD 或完整日期 (expected MM-DD or a date, got {value!r})") from None
    return (month, day)


def _categories(values: Any) -> tuple[str, ...]:
    try:
        return tuple(ProductCategory(v).value for v in values)
    except ValueError as e:
        raise CampaignSettingsError(f"未知产品类别 (unknown product category): {e}") from None


def _check(settings: CampaignSettings) -> None:
    if not settings.phases:
        raise CampaignSettingsError("至少需要一个阶段 (a campaign needs at least one phase)")
    if not 0 < settings.review_target <= 1:
        raise CampaignSettingsError(
            f"年审率目标应在 0 到 1 之间 (review target {settings.review_target} not in (0, 1])"
        )
    campaign = settings.campaign_for(date(2000 if settings.year is None else settings.year, 12, 31))
    previous_end: date | None = None
    for phase in campaign.phases:
        if phase.start > phase.end or (previous_end is not None and phase.start <= previous_end):
            raise CampaignSettingsError(
                f"阶段 {phase.label} 的日期有误 (phase {phase.key}: starts after it ends, or overlaps the one before)"
            )
        previous_end = phase.end
