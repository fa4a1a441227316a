"""CLI commands for the projections: `zhijian project` and `zhijian rebuild`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the projection commands to the main CLI."""
