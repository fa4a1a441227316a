"""CLI commands for reports: `zhijian report campaign ...`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from domain.bureau_time import BUREAU_TZ, bureau_today

FORMAT_WORDS = ("xlsx", "csv", "html", "json")


def register(app: typer.Typer) -> None:
    """Adds the report commands to the main CLI."""
    reports = typer.Typer(help="Reports (报告): the campaign summary.", no_args_is_help=True)
    reports.command("campaign")(campaign)
    app.add_typer(reports, name="report")


def campaign(
    output: Annotated[Path, typer.Option("--output", "-o", help="the file to write", dir_okay=False)],
    as_of: Annotated[str | None,
                     typer.Option("--as-of", help="统计日期 YYYY-MM-DD (valid time); default today")] = None,
    known_at: Annotated[str | None, typer.Option(
        "--known-at", help="数据截至 YYYY-MM-DDTHH:MM[:SS][+08:00] (transaction time); default now; no zone means UTC",
    )] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="xlsx | csv | html | json; default from the file's suffix, else xlsx")] = None,
    campaign_file: Annotated[Path | None, typer.Option(
        "--campaign-file", help="campaign settings (TOML) overriding the default; else ZHIJIAN_CAMPAIGN_FILE",
        exists=True, dir_okay=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="replace OUTPUT even if it is a symbolic link (the link itself, never its target)")] = False,
) -> None:
    """Write the campaign summary report (产品质量和食品安全专项整治行动情况总结) as of a date."""
    from rich.console import Console

    from application.bootstrap import build_ledger
    from application.campaign_settings import CampaignSettingsError, load_campaign_settings
    from application.settings import Settings
    from interfaces.report_formats import write
    from interfaces.safe_files import UnsafeTarget, check_target, replacing
    from projections import open_views
    from projections.campaign_report import open_campaign_report
    from projections.replayed_states import ReplayedStates, StatesSource
    from projections.status_view import StatusView

    console = Console(stderr=True)
    fmt = fmt or (output.suffix.lstrip(".").lower() if output.suffix.lstrip(".").lower() in FORMAT_WORDS else "xlsx")
    if fmt not in FORMAT_WORDS:
        console.print(f"[red]unknown format {fmt!r}[/red] (formats: {', '.join(FORMAT_WORDS)})")
        raise typer.Exit(2)
    try:
        what = "--as-of"
        day = date.fromisoformat(as_of) if as_of else bureau_today()
        what = "--known-at"
        moment = datetime.fromisoformat(known_at) if known_at else datetime.now(UTC)
        what = "campaign settings"
        settings = load_campaign_settings(campaign_file)
    except (ValueError, CampaignSettingsError) as e:
        console.print(f"[red]{what}: {e}[/red]")
        raise typer.Exit(2) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=BUREAU_TZ)  # a bare time is the bureau's
    try:
        check_target(output, force=force)  # before any work: refuse a symbolic link or a folder up front
    except UnsafeTarget as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    if not 1900 <= day.year <= 9998 or not 1900 <= moment.year <= 9998:
        console.print("[red]--as-of / --known-at: 须在 1900 至 9998 年之间 "
                      "(must be between the years 1900 and 9998)[/red]")
        raise typer.Exit(2)
    app_settings = Settings()
    ledger, views = build_ledger(app_settings), open_views(app_settings)
    try:
        source: StatesSource | StatusView = views.status
        behind = max(views.lag().values())
        if behind:
            # The views are fed elsewhere (the server or `zhijian project`); rather than race
            # that runner, read the log itself, which answers the same, only slower.
            console.print(f"[yellow]views are {behind} events behind: replaying the log instead[/yellow]")
            source = ReplayedStates(ledger)
        with open_campaign_report(source, day, moment, settings.campaign_for(day)) as figures, \
                replacing(output, force=force) as out:
            write(figures, fmt, out)
    finally:
        views.close()
        ledger.close()
    console.print(f"wrote {output} ({fmt}; as_of {day.isoformat()}, known_at {moment.isoformat()})")
