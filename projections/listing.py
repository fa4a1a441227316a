"""A list inside a report: its length, any page of it, and all of it as a stream.

Reports hold lists that grow with the register (the still unlicensed, the licences
short of review, the disclosure list...). A `Listing` never holds them: it knows its
total and fetches a page (JSON, HTML) or streams every row (XLSX, CSV) from the view,
inside the read transaction the report was computed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    total: int
    fetch: Callable[[int | None, int], Iterable[Row]]  # (limit or None for all, offset) -> rows

    def page(self, limit: int | None, offset: int = 0) -> list[Row]:
        return list(self.fetch(limit, offset))

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetch(None, 0))

    def __len__(self) -> int:
        return self.total


def listing(value: Listing | Sequence[Row]) -> Listing:
    """A list as a Listing (the pure reference figures hold plain lists)."""
    if isinstance(value, Listing):
        return value
    rows = list(value)
    return Listing(len(rows), lambda limit, offset: rows[offset:] if limit is None else rows[offset:offset + limit])


def materialize(value: Any) -> Any:
    """The same structure with every Listing replaced by all its rows (for comparison and small exports)."""
    if isinstance(value, Listing):
        return list(value)
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    return value


def paged(value: Any, limit: int | None, offset: int = 0) -> Any:
    """The same structure with every list replaced by a page of it: {"items", "total", "limit", "offset"}."""
    if isinstance(value, Listing):
        return {"items": value.page(limit, offset), "total": value.total, "limit": limit, "offset": offset}
    if isinstance(value, dict):
        return {k: paged(v, limit, offset) for k, v in value.items()}
    return value
