"""Orders to rectify by their fate at the end of each week of the campaign (the overview's chart).

One aggregate query over the status view: the orders live at (as_of, known_at), each with
the date of its first passed verification, crossed with the week ends. On a week end D an
order issued by D is passed on time (first passed verification on or before D and its
deadline), passed late (on or before D, after the deadline), overdue (deadline before D,
not passed by D) or open: what the campaign report says at (D, known_at), week by week.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from domain.status import FATES
from projections.acts import live_orders
from projections.recorders import Tx

MOST_WEEKS = 60  # a chart of more weeks than this shows the last ones


def week_ends(start: date, as_of: date, *, most: int = MOST_WEEKS) -> list[date]:
    """The campaign's week ends from `start` (every seventh day) before as_of, and as_of itself."""
    if as_of < start:
        return []
    ends, day = [], start + timedelta(days=6)
    while day < as_of:
        ends.append(day)
        day += timedelta(days=7)
    ends.append(as_of)
    return ends[-most:]


_ORDERS = live_orders("view_status_facts")


def order_fates_by_week(tx: Tx, as_of: date, known_at: datetime, ends: list[date]) -> list[dict[str, Any]]:
    """For each week end: orders issued by then and their fates then, as known at known_at."""
    if not ends:
        return []
    params: dict[str, Any] = {"as_of": as_of, "known_at": known_at}
    params.update({f"w{i}": d for i, d in enumerate(ends)})
    weeks = " UNION ALL ".join(f"SELECT %(w{i})s AS week_end" for i in range(len(ends)))
    if tx.dialect.is_postgres:  # typed, so the comparisons below are between dates
        weeks = " UNION ALL ".join(f"SELECT CAST(%(w{i})s AS DATE) AS week_end" for i in range(len(ends)))
    passed = "(o.passed_on IS NOT NULL AND o.passed_on <= w.week_end)"
    rows = tx.rows(
        "SELECT w.week_end, COUNT(o.issued_on) AS issued, "
        f"SUM(CASE WHEN {passed} AND o.passed_on <= o.deadline THEN 1 ELSE 0 END) AS passed_on_time, "
        f"SUM(CASE WHEN {passed} AND o.passed_on > o.deadline THEN 1 ELSE 0 END) AS passed_late, "
        f"SUM(CASE WHEN NOT {passed} AND o.deadline < w.week_end THEN 1 ELSE 0 END) AS overdue "
        f"FROM ({weeks}) w LEFT JOIN ({_ORDERS}) o ON o.issued_on <= w.week_end GROUP BY w.week_end",
        params,
    )
    by_end = {str(r["week_end"])[:10]: r for r in rows}
    out = []
    for end in ends:
        r = by_end.get(end.isoformat())
        counts = {k: int((r[k] if r is not None else 0) or 0) for k in ("issued", *FATES[:3])}
        counts["open"] = counts["issued"] - counts["passed_on_time"] - counts["passed_late"] - counts["overdue"]
        out.append({"week_end": end, **counts})
    return out
