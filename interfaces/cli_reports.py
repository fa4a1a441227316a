"""CLI commands for reports: `zhijian report campaign ...`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the report commands to the main CLI."""
