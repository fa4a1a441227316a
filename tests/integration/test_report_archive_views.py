"""Archiving refuses while the status view has not processed every recorded event (each store)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from application.campaign_settings import load_campaign_settings
from application.commands import Register
from domain.actor import SYSTEM
from interfaces.report_archive import NotFinal, definition, end_of_day
from interfaces.report_archiving import archive_reports
from projections import open_views
from projections.report_archive import ReportArchive

DAY = date(2026, 9, 1)


def test_nothing_is_archived_while_the_view_is_behind_the_log(ledger, settings):
    views = open_views(settings)
    try:
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=DAY, name="李明", unit="食品监管办",
                                                            role="supervisor").token)
        ledger.register(Register(occurred_on=DAY, name="张记豆腐坊", town="石桥镇", area="rural",
                                 kind="small_workshop", product_categories=["bean_products"]), by=chief, today=DAY)
        rules = load_campaign_settings(None).campaign_for
        now = datetime.now(UTC)
        with pytest.raises(NotFinal, match="behind"):
            archive_reports(views, rules, [(DAY, end_of_day(DAY))], ("json",), now=now)
        assert not ReportArchive(views.status.recorder).has(DAY, end_of_day(DAY), "json", definition(rules(DAY)))
        views.catch_up()
        made = archive_reports(views, rules, [(DAY, end_of_day(DAY))], ("json",), now=now)
        assert [(m.report, m.as_of, m.format) for m in made] == [("campaign", DAY, "json"), ("status", DAY, "json"),
                                                                 ("accountability", DAY, "json")]
    finally:
        views.close()
