"""Orders to rectify by their fate at the end of each week of the campaign (the overview's chart).

One aggregate query over the status view: the orders live at (as_of, known_at), each with
the date of its first passed verification, counted by their dates; the weeks are running
sums of those counts, in Python. On a week end D an
order issued by D is passed on time (first passed verification on or before D and its
deadline), passed late (on or before D, after the deadline), overdue (deadline before D,
not passed by D) or open: what the campaign report says at (D, known_at), week by week.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from typing import Any

from domain.status import FATES
from projections.acts import live_orders
from projections.dialect import as_date, required_date
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
    """For each week end: orders issued by then and their fates then, as known at known_at.

    One pass over the live orders, counted by (issued_on, deadline, passed_on); each group
    starts to count as issued, passed or overdue at one week end and (overdue) stops at
    another, so the weeks are running sums of those changes: the cost grows with the
    orders, not with orders × weeks (a province's year: 52 weeks of ~100,000 orders)."""
    if not ends:
        return []
    groups = tx.tuples(f"SELECT o.issued_on, o.deadline, o.passed_on, COUNT(*) FROM ({_ORDERS}) o GROUP BY 1, 2, 3",
                       {"as_of": as_of, "known_at": known_at})
    weeks = len(ends)
    changes = {k: [0] * (weeks + 1) for k in ("issued", *FATES[:3])}
    for issued_on_value, deadline_value, passed_on_value, n in groups:
        deadline, passed_on = required_date(deadline_value), as_date(passed_on_value)
        issued = bisect_left(ends, required_date(issued_on_value))  # the first week end on or after the order
        changes["issued"][issued] += n
        passed = weeks if passed_on is None else max(issued, bisect_left(ends, passed_on))
        if passed_on is not None:
            changes["passed_on_time" if passed_on <= deadline else "passed_late"][passed] += n
        overdue = max(issued, bisect_right(ends, deadline))  # from the first week end after the deadline
        if overdue < passed:  # until passed
            changes["overdue"][overdue] += n
            changes["overdue"][passed] -= n
    running = dict.fromkeys(changes, 0)
    out = []
    for i, end in enumerate(ends):
        for key, deltas in changes.items():
            running[key] += deltas[i]
        counts = dict(running)
        counts["open"] = counts["issued"] - counts["passed_on_time"] - counts["passed_late"] - counts["overdue"]
        out.append({"week_end": end, **counts})
    return out
