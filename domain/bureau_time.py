"""The bureau's calendar runs on China Standard Time (UTC+8, no daylight saving).

"Today", a day's deadline and how many days late an act was entered are all counted
in the bureau's days, whatever time zone the server runs in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BUREAU_TZ = timezone(timedelta(hours=8), "CST")


def bureau_date(moment: datetime) -> date:
    """The bureau's calendar day at an instant."""
    return moment.astimezone(BUREAU_TZ).date()


def bureau_today(now: datetime | None = None) -> date:
    """Today in the bureau; the domain itself never asks: commands bring it in."""
    return bureau_date(now or datetime.now(UTC))
