"""An enterprise event as a typed row: the columns reports filter and aggregate on.

Both views that keep one row per act (status: `view_status_facts`, accountability:
`view_actions`) store the same typed columns (`tables.ACT_COLUMNS`), read out of the
event's payload here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from domain.status import Fact
from domain.values import ProductCategory

# The typed columns, in ACT_COLUMNS' order.
TYPED = ("order_no", "deadline", "license_no", "license_type", "valid_until", "passed", "year", "sample_no",
         "product_category", "outcome", "reason")

SAMPLES = ("SamplePassed", "SampleFailed")


def typed_columns(fact: Fact) -> tuple[Any, ...]:
    """The typed columns of one act (None where a column does not apply)."""
    p: Mapping[str, Any] = fact.payload
    values: dict[str, Any] = {}
    if fact.type in ("OrderedToRectify", "RectificationVerified"):
        values["order_no"] = p["order_no"]
        if fact.type == "OrderedToRectify":
            values["deadline"] = _date(p["deadline"])
        else:
            values["passed"] = bool(p["passed"])
    elif fact.type in ("Licensed", "LicenseReviewed"):
        values["license_no"] = p["license_no"]
        if fact.type == "Licensed":
            values["license_type"] = p["license_type"]
            values["valid_until"] = _date(p["valid_until"])
        else:
            values["year"] = int(p["year"])
            values["passed"] = bool(p.get("passed", True))
    elif fact.type in SAMPLES:
        values["sample_no"] = p["sample_no"]
        values["product_category"] = p["product_category"]
        values["passed"] = fact.type == "SamplePassed"
    elif fact.type == "Inspected":
        values["outcome"] = p["outcome"]
    elif fact.type == "Closed":
        values["reason"] = p["reason"]
    return tuple(values.get(name) for name in TYPED)


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
