"""The report as JSON: the figures as they are, dates and times in ISO 8601, each list as a page of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from projections.listing import paged


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def render_json(figures: Mapping[str, Any], *, limit: int | None = None, offset: int = 0) -> bytes:
    """Every list becomes {"items", "total", "limit", "offset"}: the page from `offset`, `limit` rows long."""
    return json.dumps(jsonable(paged(figures, limit, offset)), ensure_ascii=False, indent=2).encode("utf-8")
