"""How many of each official's acts were entered late: the accountability page's per-official column.

An act is entered late by the days between when it occurred and the bureau's day
(UTC+8) on which it was recorded (as `projections.accountability_view.Action.late_days`
counts them one act at a time). One GROUP BY over the accountability view's acts live at
(as_of, known_at).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from projections.recorders import Tx

WEEK = 7


def _late_days(tx: Tx) -> str:
    if tx.dialect.is_postgres:
        return "(CAST((a.recorded_at AT TIME ZONE INTERVAL '+08:00') AS DATE) - a.occurred_on)"
    return "CAST(julianday(date(a.recorded_at, '+8 hours')) - julianday(a.occurred_on) AS INTEGER)"


def late_entries_by_official(tx: Tx, as_of: date, known_at: datetime) -> dict[str, dict[str, int]]:
    """Official id -> {"acts", "late" (entered a day or more late), "late_over_week", "most_days_late"}."""
    late = _late_days(tx)
    rows = tx.rows(
        f"SELECT a.actor_id, COUNT(*) AS acts, SUM(CASE WHEN {late} > 0 THEN 1 ELSE 0 END) AS late, "
        f"SUM(CASE WHEN {late} > {WEEK} THEN 1 ELSE 0 END) AS late_over_week, MAX({late}) AS most_days_late "
        "FROM view_actions{sfx} a WHERE a.recorded_at <= %(known_at)s "
        "AND (a.retracted_at IS NULL OR a.retracted_at > %(known_at)s) AND a.occurred_on <= %(as_of)s "
        "GROUP BY a.actor_id",
        {"as_of": as_of, "known_at": known_at},
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out[r["actor_id"]] = {"acts": int(r["acts"]), "late": int(r["late"] or 0),
                              "late_over_week": int(r["late_over_week"] or 0),
                              "most_days_late": max(0, int(r["most_days_late"] or 0))}
    return out
