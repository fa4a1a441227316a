"""An enterprise event as a typed row: the columns reports filter and aggregate on.

Both views that keep one row per act (status: `view_status_facts`, accountability:
`view_actions`) store the same typed columns (`tables.ACT_COLUMNS`), read out of the
event's payload here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from domain.enterprise import (
    CLOSED,
    INSPECTED,
    LICENSE_REVIEWED,
    LICENSED,
    ORDERED_TO_RECTIFY,
    RECTIFICATION_VERIFIED,
    REGISTERED,
    RETRACTED,
    SAMPLE_FAILED,
    SAMPLE_PASSED,
)
from domain.status import Fact
from domain.values import ProductCategory

# The typed columns, in ACT_COLUMNS' order.
TYPED = ("order_no", "deadline", "license_no", "license_type", "valid_until", "passed", "year", "sample_no",
         "product_category", "outcome", "reason", "draw_id")

def typed_columns(fact: Fact) -> tuple[Any, ...]:
    """The typed columns of one act (None where a column does not apply)."""
    values = TYPED_BY_EVENT[fact.type](fact.payload)
    return tuple(values.get(name) for name in TYPED)


def _order(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"order_no": p["order_no"], "deadline": _date(p["deadline"])}


def _verification(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"order_no": p["order_no"], "passed": bool(p["passed"])}


def _licence(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"license_no": p["license_no"], "license_type": p["license_type"], "valid_until": _date(p["valid_until"])}


def _review(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"license_no": p["license_no"], "year": int(p["year"]), "passed": bool(p.get("passed", True))}


def _sample(passed: bool) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    return lambda p: {"sample_no": p["sample_no"], "product_category": p["product_category"], "passed": passed}


def _none(p: Mapping[str, Any]) -> dict[str, Any]:
    return {}


# What each event puts in the typed columns (a registration and a retraction: nothing).
TYPED_BY_EVENT: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    REGISTERED: _none,
    INSPECTED: lambda p: {"outcome": p["outcome"], "draw_id": p.get("draw_id")},
    ORDERED_TO_RECTIFY: _order,
    RECTIFICATION_VERIFIED: _verification,
    LICENSED: _licence,
    LICENSE_REVIEWED: _review,
    SAMPLE_PASSED: _sample(True),
    SAMPLE_FAILED: _sample(False),
    CLOSED: lambda p: {"reason": p["reason"]},
    RETRACTED: _none,
}


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# Each product category's bit in an enterprise's category mask (ProductCategory's order: new
# categories are appended, and a view whose schema version changes is projected again).
CATEGORY_BITS = {c.value: 1 << i for i, c in enumerate(ProductCategory)}


def categories_mask(categories: Iterable[str]) -> int:
    """The set of an enterprise's product categories as one integer, tested in SQL with `mask & bits <> 0`."""
    mask = 0
    for c in categories:
        mask |= CATEGORY_BITS[c]
    return mask


def live(a: str) -> str:
    """SQL: the act of table alias `a` is live at (%(as_of)s, %(known_at)s): recorded by known_at, not
    retracted by a retraction recorded by known_at, and occurred on or before as_of."""
    return (f"{a}.recorded_at <= %(known_at)s AND ({a}.retracted_at IS NULL OR {a}.retracted_at > %(known_at)s) "
            f"AND {a}.occurred_on <= %(as_of)s")


def live_orders(table: str) -> str:
    """SQL over an acts table (view_status_facts or view_actions): each order live at (as_of, known_at),
    with the date of its first passed verification live then (`passed_on`, NULL if none)."""
    return f"""
SELECT o.enterprise_id, o.version, o.order_no, o.occurred_on AS issued_on, o.deadline, o.actor_id AS issued_by,
       v.passed_on
  FROM {table}{{sfx}} o
  LEFT JOIN (SELECT v.enterprise_id, v.order_no, MIN(v.occurred_on) AS passed_on FROM {table}{{sfx}} v
              WHERE v.type = '{RECTIFICATION_VERIFIED}' AND v.passed AND {live('v')}
              GROUP BY v.enterprise_id, v.order_no) v
         ON v.enterprise_id = o.enterprise_id AND v.order_no = o.order_no
 WHERE o.type = '{ORDERED_TO_RECTIFY}' AND {live('o')}
"""


def orders_with_fates(table: str) -> str:
    """`live_orders` with each order's fate on as_of (`fate`): passed_on_time, passed_late, overdue or open,
    as domain.status.Order.fate decides it."""
    return f"""
SELECT o.*, CASE WHEN o.passed_on IS NOT NULL THEN (CASE WHEN o.passed_on <= o.deadline THEN 'passed_on_time'
                                                         ELSE 'passed_late' END)
                 WHEN o.deadline < %(as_of)s THEN 'overdue' ELSE 'open' END AS fate
  FROM ({live_orders(table)}) o
"""


def overdue_orders(table: str) -> str:
    """SQL over an acts table: the orders live at (as_of, known_at) whose fate on as_of is overdue (deadline
    before as_of, no passed verification live), in `live_orders`' columns but `passed_on`. The same rows as
    `orders_with_fates` where fate = 'overdue', shaped for a page: PostgreSQL can walk the orders by
    deadline (the `deadline` index) and look each one's verifications up, and stop at the page's end."""
    return f"""
SELECT o.enterprise_id, o.version, o.order_no, o.occurred_on AS issued_on, o.deadline, o.actor_id AS issued_by
  FROM {table}{{sfx}} o
 WHERE o.type = '{ORDERED_TO_RECTIFY}' AND o.deadline IS NOT NULL AND o.deadline < %(as_of)s AND {live('o')}
   AND NOT EXISTS (SELECT 1 FROM {table}{{sfx}} v
                    WHERE v.enterprise_id = o.enterprise_id AND v.order_no = o.order_no
                      AND v.type = '{RECTIFICATION_VERIFIED}' AND v.passed AND {live('v')})
"""


def orders_issued() -> str:
    """SQL over view_actions: per official (`issued_by`), the orders live at (as_of, known_at) (`n`) and how
    many of them are past their deadline on as_of (`due`). With `orders_passed`, each official's orders by fate
    as `orders_with_fates` decides it, counted without joining the orders to their verifications."""
    return f"""
SELECT o.actor_id AS issued_by, COUNT(*) AS n, SUM(CASE WHEN o.deadline < %(as_of)s THEN 1 ELSE 0 END) AS due
  FROM view_actions{{sfx}} o
 WHERE o.type = '{ORDERED_TO_RECTIFY}' AND {live('o')}
 GROUP BY o.actor_id
"""


def orders_passed() -> str:
    """SQL over view_actions: per official who issued the order (`issued_by`), the passed verifications live at
    (as_of, known_at), on time (`on_time`) or late (`late`) by the order's deadline, and how many of those
    orders are past their deadline on as_of (`due`: counted in `orders_issued`' `due`, they are not overdue).

    The ledger's rules make this the same as `orders_with_fates`: an order has at most one passed verification
    live at any (as_of, known_at) (a passed verification closes the order; another needs it retracted first),
    and a live verification's order is live too (it was recorded before it, occurred on or before it, and can
    be retracted only after its verifications). The order's issuer and deadline are copied onto each
    verification when it is projected (`order_issuer`, `order_deadline`)."""
    return f"""
SELECT v.order_issuer AS issued_by,
       SUM(CASE WHEN v.occurred_on <= v.order_deadline THEN 1 ELSE 0 END) AS on_time,
       SUM(CASE WHEN v.occurred_on > v.order_deadline THEN 1 ELSE 0 END) AS late,
       SUM(CASE WHEN v.order_deadline < %(as_of)s THEN 1 ELSE 0 END) AS due
  FROM view_actions{{sfx}} v
 WHERE v.type = '{RECTIFICATION_VERIFIED}' AND v.passed AND {live('v')}
 GROUP BY v.order_issuer
"""
