"""The register a draw reads, for the HTTP routes and the CLI alike: from the views once they hold the whole log.

A draw and its verification read the register at (day, known_at) from the views; the
views must first have processed every event recorded so far (the log's last position,
read after known_at was chosen), or a registration recorded just before known_at could
be missing. Past `timeout` seconds the read is refused (ViewLagging), never answered
from a view that is behind.
"""

from __future__ import annotations

from datetime import date, datetime

from application.draws import ReadRegister
from domain import draw as draws
from projections.draw_register import read_register
from projections.views import ViewLagging, Views

DRAW_VIEWS = ("status", "accountability")


def caught_up_register(views: Views, timeout: float) -> ReadRegister:
    def read(rules: draws.PlanRules, day: date, known_at: datetime) -> draws.Register:
        position = views.log.last_position()
        if not views.wait_for(position, timeout, DRAW_VIEWS):
            raise ViewLagging(position, views.lag(), timeout)
        return read_register(views, rules, day, known_at)

    return read
