"""Every view, named once: its tables, its projection and its queries. The rest is derived.

The runners (`zhijian project`, the server's embedded ones), `open_views`,
`open_recorders`, the replica's views and `zhijian rebuild` all start from `VIEWS`:
adding a view means adding its entry here (and its tables, projection and queries).
Each view's recorder class, one per backend, is made from its entry, not written out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from application.settings import Settings
from projections.accountability_view import AccountabilityView
from projections.projection import AccountabilityProjection, StatusProjection, ViewProjection
from projections.recorders import PostgresViewRecorder, SQLiteViewRecorder, ViewRecorder
from projections.status_view import StatusView
from projections.tables import ACCOUNTABILITY, STATUS, ViewTables


class ViewQueries(Protocol):
    """What every view's query object offers besides its questions."""

    recorder: ViewRecorder

    def position(self) -> int: ...


# The library's tracking recorder of each backend, and the word that names it in a class name.
BACKENDS: dict[str, tuple[str, type[ViewRecorder]]] = {
    "postgres": ("Postgres", PostgresViewRecorder),
    "sqlite": ("SQLite", SQLiteViewRecorder),
}


def backend(settings: Settings) -> str:
    return "postgres" if settings.is_postgres else "sqlite"


@dataclass(frozen=True)
class ViewSpec:
    """One view: the tables it owns, the projection that writes them, the queries that read them."""

    tables: ViewTables
    projection: type[ViewProjection]
    # The view's questions on an open recorder (what a question needs of the campaign, it is given per call).
    open_queries: Callable[[ViewRecorder], ViewQueries]

    @property
    def name(self) -> str:
        return self.tables.view

    def recorder_class(self, backend: str) -> type[ViewRecorder]:
        """This view's tracking recorder on `backend` ("postgres" or "sqlite")."""
        return _recorder_class(self.tables, backend)


@cache  # one class per view and backend, whoever asks
def _recorder_class(tables: ViewTables, backend: str) -> type[ViewRecorder]:
    word, base = BACKENDS[backend]
    name = f"{tables.view.title().replace('_', '')}{word}"  # StatusPostgres, AccountabilitySQLite, …
    return type(name, (base,), {"tables": tables, "__module__": __name__, "__qualname__": name})


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec(STATUS, StatusProjection, StatusView),
    ViewSpec(ACCOUNTABILITY, AccountabilityProjection, AccountabilityView),
)
VIEW_NAMES: tuple[str, ...] = tuple(spec.name for spec in VIEWS)
_BY_NAME = {spec.name: spec for spec in VIEWS}


def view_spec(name: str) -> ViewSpec:
    """The view named `name`; KeyError naming the views there are otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no view {name!r} (views: {', '.join(VIEW_NAMES)})") from None


def schema_versions() -> str:
    """Every view's schema version, as one key (what an archived report was computed on)."""
    return ",".join(f"{spec.name}={spec.tables.version}" for spec in VIEWS)
