"""Read models fed from the ledger's event log, each tracked exactly once and rebuildable.

Entry points: `open_views(settings)` for queries, `projections.worker` for the runners;
every view is listed once, in `projections.registry`.
"""

from projections.views import Views, open_views

__all__ = ["Views", "open_views"]
