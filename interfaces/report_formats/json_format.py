"""The report as JSON: the figures as they are, dates and times in ISO 8601."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def render_json(figures: Mapping[str, Any]) -> bytes:
    return json.dumps(jsonable(figures), ensure_ascii=False, indent=2).encode("utf-8")
