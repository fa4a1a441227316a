"""The campaign report's formats: adapters over `projections.campaign_figures`' one result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from application.campaign_settings import CampaignSettings
from projections.campaign_figures import campaign_figures
from projections.replayed_states import StatesSource
from interfaces.report_formats.csv_format import render_csv
from interfaces.report_formats.html import render_html
from interfaces.report_formats.json_format import render_json
from interfaces.report_formats.xlsx import render_xlsx

# format word -> (media type, file suffix, renderer of the figures to bytes)
FORMATS: dict[str, tuple[str, str, Callable[[Mapping[str, Any]], bytes]]] = {
    "json": ("application/json", "json", render_json),
    "csv": ("text/csv; charset=utf-8", "csv", render_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", render_xlsx),
    "html": ("text/html; charset=utf-8", "html", render_html),
}


def render(figures: Mapping[str, Any], fmt: str) -> bytes:
    return FORMATS[fmt][2](figures)


def campaign_report(
    source: StatesSource, settings: CampaignSettings, as_of: date, known_at: datetime
) -> dict[str, Any]:
    """The campaign's figures on as_of, as known at known_at, from any source of enterprise states."""
    return campaign_figures(source.states_at(as_of, known_at), as_of, known_at, settings.campaign_for(as_of))


def file_name(as_of: date, fmt: str) -> str:
    return f"campaign-report-{as_of.isoformat()}.{FORMATS[fmt][1]}"
