"""The campaign report's formats: adapters over the one set of figures (`projections.campaign_figures`).

Figures come from the status view's SQL (`projections.campaign_queries`, whose lists are
`Listing`s read as they are written) or, for tests and tools, from the pure reference
over folded states (whose lists are plain lists). Every format writes to a binary file:
XLSX and CSV stream every row of every list; JSON pages each list (`limit`, `offset`,
`total`); HTML shows each list's first rows with its count.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import date
from typing import IO, Any

from interfaces.report_formats.csv_format import write_csv
from interfaces.report_formats.html import render_html
from interfaces.report_formats.json_format import render_json
from interfaces.report_formats.xlsx import write_xlsx
from projections.campaign_figures import with_listings

JSON_LIST_LIMIT = 50


def _json(figures: Mapping[str, Any], out: IO[bytes], limit: int | None, offset: int) -> None:
    out.write(render_json(figures, limit=limit, offset=offset))


def _html(figures: Mapping[str, Any], out: IO[bytes], limit: int | None, offset: int) -> None:
    out.write(render_html(figures))


# format word -> (media type, file suffix, writer of the figures to a binary file)
FORMATS: dict[str, tuple[str, str, Callable[[Mapping[str, Any], IO[bytes], int | None, int], None]]] = {
    "json": ("application/json", "json", _json),
    "csv": ("text/csv; charset=utf-8", "csv", lambda f, out, limit, offset: write_csv(f, out)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
             lambda f, out, limit, offset: write_xlsx(f, out)),
    "html": ("text/html; charset=utf-8", "html", _html),
}


def write(figures: Mapping[str, Any], fmt: str, out: IO[bytes], *, limit: int | None = None, offset: int = 0) -> None:
    """Writes the report in `fmt` to `out`; `limit`/`offset` page the lists of the JSON format."""
    FORMATS[fmt][2](with_listings(figures), out, limit, offset)


def render(figures: Mapping[str, Any], fmt: str, *, limit: int | None = None, offset: int = 0) -> bytes:
    """The report in `fmt` as bytes (small reports; large ones are written to a file with `write`)."""
    out = io.BytesIO()
    write(figures, fmt, out, limit=limit, offset=offset)
    return out.getvalue()


def file_name(as_of: date, fmt: str) -> str:
    return f"campaign-report-{as_of.isoformat()}.{FORMATS[fmt][1]}"
