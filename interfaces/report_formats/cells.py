"""How a typed cell reads as text (CSV and HTML); XLSX stores the value itself."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.bureau_time import BUREAU_TZ


def cell_text(value: Any, type_: str) -> str:
    if value is None:
        return "—" if type_ in ("rate", "ratio") else ""
    if type_ == "rate":
        return f"{value * 100:.1f}%"
    if type_ == "ratio":
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_time(value: datetime) -> str:
    """A moment as the bureau reads it: Beijing time (UTC+8)."""
    return value.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S") + " 北京时间"


# What a spreadsheet takes for the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """Text a spreadsheet will show as text, never evaluate: a formula-like start gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
