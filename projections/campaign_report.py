"""The campaign report from a source of enterprise states: the status view (SQL) or a replay of the log.

`open_campaign_report` keeps the view's read transaction open while the caller writes
the report, so its lists stream from one consistent snapshot. `campaign_report` gives
every list whole (tests, small tools).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from projections.campaign_figures import CampaignRules, campaign_figures
from projections.campaign_queries import CampaignQueries
from projections.listing import materialize
from projections.replayed_states import StatesSource
from projections.status_view import StatusView


@contextmanager
def open_campaign_report(
    source: StatesSource | StatusView, as_of: date, known_at: datetime, campaign: CampaignRules
) -> Iterator[dict[str, Any]]:
    """The figures at (as_of, known_at), valid inside the `with` block (lists read from an open transaction)."""
    if isinstance(source, StatusView):
        with source.read() as tx:
            yield CampaignQueries(tx, as_of, known_at, campaign, beside=lambda: source.recorder.beside(tx)).figures()
    else:
        yield campaign_figures(source.states_at(as_of, known_at), as_of, known_at, campaign)


def campaign_report(
    source: StatesSource | StatusView, as_of: date, known_at: datetime, campaign: CampaignRules
) -> dict[str, Any]:
    """The figures with every list whole."""
    with open_campaign_report(source, as_of, known_at, campaign) as figures:
        return materialize(figures)  # type: ignore[no-any-return]  # materialize keeps the dict a dict
