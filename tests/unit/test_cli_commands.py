"""The whole CLI is `interfaces.cli.app` as imported: no command joins only when main() runs."""

from __future__ import annotations

from typer.main import get_command

from interfaces.cli import app


def test_every_command_is_on_the_app_as_imported():
    command = get_command(app)
    names = set(command.commands)  # type: ignore[attr-defined]  # a typer group has its subcommands
    expected = {"serve", "demo", "history", "officials", "enterprises", "report", "project", "rebuild", "draws", "db",
                "audit"}
    assert expected <= names, names
