"""The registers a draw reads (一单两库), from the views at (draw day, known_at): queries, never a load of aggregates.

- the enterprises (检查对象名录库): the status timeline's rows live at (day, known_at), not
  closed, in the plan's scope; each marked with a bad record when a failed sample was
  dated in the 12 months up to the day, or an order was overdue on some day of them;
- the inspectors (执法检查人员名录库): officials active on the day whose role inspects;
- who inspected which enterprise in the plan's last `recent_months`, and the declared
  conflicts (the accountability view's acts and recusals).

The same function serves the draw and its verification, which asks it for the day and
`known_at` the draw recorded: recomputation reads exactly the register the draw read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from domain import draw as draws
from domain.enterprise import INSPECTED, SAMPLE_FAILED
from projections.acts import CATEGORY_BITS, categories_mask, live, live_orders
from projections.dialect import as_date, required_date
from projections.status_view import LIVE_ROWS
from projections.views import Views


def read_register(views: Views, rules: draws.PlanRules, day: date, known_at: datetime) -> draws.Register:
    """The register at (day, known_at), as domain.draw.select reads it."""
    since = draws.months_before(day, draws.BAD_RECORD_MONTHS)
    params: dict[str, Any] = {"as_of": day, "known_at": known_at, "since": since}
    where = ["t.status <> 'closed'"]
    for column, values in (("town", rules.towns), ("kind", rules.kinds)):
        if values:
            where.append(f"t.{column} IN ({', '.join(f'%({column}{i})s' for i in range(len(values)))})")
            params.update({f"{column}{i}": v for i, v in enumerate(values)})
    if rules.categories:
        where.append("(t.categories_mask & %(bits)s) <> 0")
        params["bits"] = categories_mask(rules.categories)
    with views.status.read() as tx:
        rows = tx.rows(f"SELECT t.enterprise_id, t.town, t.kind, t.categories_mask FROM ({LIVE_ROWS}) t "
                       f"WHERE {' AND '.join(where)}", params)
        failed = {r["enterprise_id"] for r in tx.rows(
            f"SELECT DISTINCT a.enterprise_id FROM view_status_facts{{sfx}} a WHERE a.type = '{SAMPLE_FAILED}' "
            f"AND {live('a')} AND a.occurred_on >= %(since)s", params)}
        orders = tx.rows(f"SELECT o.enterprise_id, o.deadline, o.passed_on FROM ({live_orders('view_status_facts')}) o "
                         "WHERE o.deadline < %(as_of)s", params)
    overdue = {r["enterprise_id"] for r in orders
               if _overdue_within(required_date(r["deadline"]), as_date(r["passed_on"]), since, day)}
    enterprises = tuple(
        draws.Candidate(r["enterprise_id"], r["town"], r["kind"], _categories(int(r["categories_mask"])),
                        r["enterprise_id"] in failed or r["enterprise_id"] in overdue)
        for r in rows
    )
    inspectors = tuple(
        draws.Inspector(o["official_id"], tuple(o["towns"]))
        for o in views.accountability.officials(day, known_at).values()
        if o["active"] and o["role"] in draws.INSPECTING_ROLES
    )
    recent: frozenset[tuple[str, str]] = frozenset()
    with views.accountability.recorder.read() as tx:
        if rules.recent_months > 0:
            params["recent"] = draws.months_before(day, rules.recent_months)
            recent = frozenset((r["actor_id"], r["enterprise_id"]) for r in tx.rows(
                f"SELECT DISTINCT a.actor_id, a.enterprise_id FROM view_actions{{sfx}} a WHERE a.type = '{INSPECTED}' "
                f"AND {live('a')} AND a.occurred_on >= %(recent)s", params))
        conflicts = frozenset((r["official_id"], r["enterprise_id"]) for r in tx.rows(
            "SELECT official_id, enterprise_id FROM view_recusals{sfx} "
            "WHERE recorded_at <= %(known_at)s AND occurred_on <= %(as_of)s", params))
    return draws.Register(enterprises, inspectors, recent, conflicts)


def _overdue_within(deadline: date, passed_on: date | None, since: date, day: date) -> bool:
    """Whether an order was overdue on some day of [since, day]: overdue days run from the day after the
    deadline up to the day before its first passed verification, so the first of them in the window decides."""
    first = max(since, deadline + timedelta(days=1))
    return first <= day and (passed_on is None or passed_on > first)


def _categories(mask: int) -> tuple[str, ...]:
    return tuple(sorted(c for c, bit in CATEGORY_BITS.items() if mask & bit))
