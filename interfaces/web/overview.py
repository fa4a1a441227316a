"""工作台: the campaign report's key figures beside their targets, and the charts, at (as_of, known_at).

Everything here is an aggregate query: the campaign report's figures (SQL over the status
view), counts by status and town, and orders' fates week by week; each list shows its
first rows and its count, and links to its own paged page.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, date, datetime
from typing import Any

from application.campaign_settings import Campaign
from domain.values import ProductCategory, Status
from interfaces.http.observability import report_timer
from interfaces.web import charts
from interfaces.web.charts import Series
from projections import Views
from projections.campaign_report import open_campaign_report
from projections.order_weeks import order_fates_by_week, week_ends

LIST_ROWS = 10
STATUS_SERIES = [Series(f"st-{s.value}", s.label) for s in Status]
FATE_SERIES = [Series("passed_on_time", "按期整改"), Series("passed_late", "逾期后整改"),
               Series("overdue", "逾期未整改"),
               Series("open", "整改期内")]
SAMPLE_SERIES = (Series("samples", "抽检批次"), Series("failed", "不合格"))
# The lists whose first rows the overview shows (others, such as the licences short of review, whose
# first page costs a sort of every due licence, are one click away on their own paged page).
LISTS = (("overdue_orders", "逾期未整改的整改通知", ("rectification", "overdue_orders")),
         ("still_unlicensed", "尚未取证的食品企业", ("licensing", "still_unlicensed")),
         ("disclosure", "曝光名单（抽检不合格、违法违规）", ("disclosure",)))


class OverviewCache:
    """One app's overviews, built again only when the status view has moved on (or after `seconds`).

    The answer at (as_of, known_at) is a function of the view's contents, which its position
    names; `known_at` None means now, which sees everything recorded so far, so it too is
    named by the position. A province's overview costs seconds (the campaign report is most of
    it); refreshing or sharing a view while nothing is recorded then costs one small query."""

    def __init__(self, size: int = 16, seconds: float = 60.0) -> None:
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, views: Views, as_of: date, known_at: datetime | None, campaign: Campaign) -> dict[str, Any]:
        status = views.status
        key = (id(status.recorder), as_of, known_at, campaign, status.position())  # the primary's or the replica's
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self.seconds:
                self._entries.move_to_end(key)
                return hit[1]
        with report_timer("overview"):  # builds only, not cache hits
            context = overview(views, as_of, known_at or datetime.now(UTC), campaign)
        with self._lock:
            self._entries[key] = (now, context)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return context


def overview(views: Views, as_of: date, known_at: datetime, campaign: Campaign) -> dict[str, Any]:
    """The overview's context: figures, charts (SVG) and the first rows of the lists."""
    with open_campaign_report(views.status, as_of, known_at, campaign) as figures:
        lists = []
        for name, title, path in LISTS:
            listing: Any = figures
            for key in path:
                listing = listing[key]
            lists.append({"name": name, "title": title, "total": listing.total, "rows": listing.page(LIST_ROWS)})
        context = _figures(figures, campaign)
    with views.status.read() as tx:
        weeks = order_fates_by_week(tx, as_of, known_at, week_ends(campaign.phases[0].start, as_of))
    by_town: dict[str, dict[str, int]] = {}
    for status, town, _kind, n in views.status.counts(as_of, known_at):
        counts = by_town.setdefault(town, {})
        counts[f"st-{status}"] = counts.get(f"st-{status}", 0) + n
    context["charts"] = {
        "status_by_town": charts.stacked_bars(sorted(by_town.items()), STATUS_SERIES, "各镇街企业状态"),
        "rates": charts.rate_bars(context["rates"], "持证率、年审率与目标"),
        "orders_by_week": charts.weekly_columns(
            [(p["week_end"].strftime("%m-%d"), p) for p in weeks], FATE_SERIES, "各周整改通知的落实情况"),
        "sampling": charts.paired_bars(
            [(ProductCategory(c).label, v["samples"], v["failed"])
             for c, v in context["sampling"]["by_category"].items()],
            SAMPLE_SERIES, "各类产品抽检与不合格"),
    }
    context["weeks"] = weeks
    context["lists"] = lists
    context["by_town"] = by_town
    return context


def _figures(f: dict[str, Any], campaign: Campaign) -> dict[str, Any]:
    lic, rect, review, sampling = f["licensing"], f["rectification"], f["annual_review"], f["sampling"]
    settled = rect["passed_on_time"] + rect["passed_late"] + rect["overdue"]
    on_time = rect["passed_on_time"] / settled if settled else None
    phase = next((p.label for p in campaign.phases if p.key == f["phase"]), "活动期外")
    return {
        "year": f["year"],
        "phase": phase,
        "census": f["census"],
        "licensing": {k: v for k, v in lic.items() if not hasattr(v, "page")},
        "rectification": {k: v for k, v in rect.items() if not hasattr(v, "page")},
        "annual_review": {k: v for k, v in review.items() if not hasattr(v, "page")},
        "sampling": {"samples": sampling["samples"], "failed": sampling["failed"],
                     "by_category": sampling["by_category"], "uncovered": sampling["uncovered_categories"],
                     "high_risk": sampling["high_risk"], "follow_up": {
                         k: v for k, v in sampling["follow_up"].items() if not hasattr(v, "page")}},
        "disclosure_total": f["disclosure"].total,
        "rates": [
            ("食品企业持证率", lic["rate"], 1.0, f"{lic['holding']}/{lic['needing']}"),
            ("年审率", review["rate"], review["target"], f"{review['reviewed']}/{review['due']}"),
            ("整改按期完成率", on_time, None, f"{rect['passed_on_time']}/{settled}"),
        ],
    }
