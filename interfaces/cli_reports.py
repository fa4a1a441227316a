"""CLI commands for reports: `zhijian report campaign ...`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from domain.bureau_time import BUREAU_TZ, bureau_today

if TYPE_CHECKING:
    from rich.console import Console

    from application.campaign_settings import CampaignSettings

FORMAT_WORDS = ("xlsx", "csv", "html", "json")


def register(app: typer.Typer) -> None:
    """Adds the report commands to the main CLI."""
    reports = typer.Typer(help="Reports (报告): the campaign summary.", no_args_is_help=True)
    reports.command("campaign")(campaign)
    reports.command("archive")(archive)
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
    from interfaces.report_archive import code_digest, decoded, definition
    from interfaces.report_formats import write
    from interfaces.safe_files import UnsafeTarget, check_target, replacing
    from projections import open_views
    from projections.campaign_report import open_campaign_report
    from projections.replayed_states import ReplayedStates, StatesSource
    from projections.report_archive import ReportArchive
    from projections.status_view import StatusView

    code_digest()  # of the code this process runs, read now
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
        # An answer kept at this pair is the report itself (JSON here carries every row: never kept).
        kept = None if fmt == "json" else ReportArchive(views.status.recorder).find(
            day, moment, fmt, definition(settings.campaign_for(day)))
        if kept is not None:
            with replacing(output, force=force) as out:
                out.write(decoded(kept))
            console.print(f"wrote {output} ({fmt}; as_of {day.isoformat()}, known_at {moment.isoformat()}; "
                          f"archived at {kept.made_at.isoformat()})")
            return
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


def archive(
    first: Annotated[str | None, typer.Option(
        "--from", help="the first day YYYY-MM-DD; default the start of this year's campaign")] = None,
    last: Annotated[str | None, typer.Option("--to", help="the last day YYYY-MM-DD; default yesterday")] = None,
    formats: Annotated[str, typer.Option("--formats", help="comma-separated: json, html, csv, xlsx")] = "json,html",
    campaign_file: Annotated[Path | None, typer.Option(
        "--campaign-file", help="campaign settings (TOML) overriding the default; else ZHIJIAN_CAMPAIGN_FILE",
        exists=True, dir_okay=False)] = None,
    wait: Annotated[float, typer.Option(
        "--wait", help="seconds to wait for the views to process every recorded event")] = 60.0,
    nightly: Annotated[bool, typer.Option(
        "--nightly", help="keep running: archive again each night, 10 minutes after the bureau's midnight, "
                          "until SIGTERM or Ctrl-C")] = False,
    xlsx_days: Annotated[int, typer.Option(
        "--xlsx-days", min=0, help="also keep the campaign report's XLSX for the last N final days (~5 MB a day at a "
                                   "province), dropping the kept XLSX of earlier days")] = 0,
    check: Annotated[bool, typer.Option(
        "--check", help="archive nothing: exit 1 if a day final for more than an hour is not archived (a health "
                        "check)")] = False,
) -> None:
    """Archive the reports as known at the end of each past day (归档: "what we knew then"), to be sent as kept:
    the campaign report in --formats, the status and accountability reports in JSON. Days already archived
    are skipped: run it nightly (cron, or --nightly)."""
    import signal
    import threading

    from rich.console import Console

    from application.campaign_settings import CampaignSettingsError, load_campaign_settings
    from interfaces.cli_draws import open_fed_views
    from interfaces.report_archive import NotFinal, code_digest, end_of_day, final_days, next_run
    from interfaces.report_archiving import archive_reports
    from projections.report_archive import ReportArchive

    code_digest()  # of the code this process runs, read now
    console = Console(stderr=True)
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMAT_WORDS]
    if unknown or not wanted:
        console.print(f"[red]--formats: unknown {', '.join(unknown) or '(none given)'}[/red] "
                      f"(formats: {', '.join(FORMAT_WORDS)})")
        raise typer.Exit(2)
    try:
        what = "campaign settings"
        settings = load_campaign_settings(campaign_file)
        what = "--from"
        start = date.fromisoformat(first) if first else None
        what = "--to"
        end = date.fromisoformat(last) if last else None
        what = "the campaign's phases"
        settings.campaign_for(bureau_today()).phases[0]  # a campaign without phases has no start
    except (ValueError, CampaignSettingsError, IndexError) as e:
        console.print(f"[red]{what}: {e}[/red]")
        raise typer.Exit(2) from None
    if check:
        _check_archive(console, settings, start, end, wanted)
        return
    stopping = threading.Event()
    if nightly:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
    with open_fed_views() as views:  # fed here unless the server or `zhijian project` feeds them
        while True:
            now = datetime.now(UTC)
            today = bureau_today(now)
            days = final_days(start or settings.campaign_for(today).phases[0].start,
                              end or today - timedelta(days=1), now)
            try:
                if not views.wait_for(views.log.last_position(), wait):
                    raise NotFinal(f"the views are behind the log after {wait:g} s (events: {views.lag()})")
                recent = set(days[len(days) - xlsx_days:]) if xlsx_days else set()

                def formats_for(day: date, recent: set[date] = recent) -> list[str]:
                    return [*wanted, "xlsx"] if day in recent and "xlsx" not in wanted else wanted

                made = archive_reports(views, settings.campaign_for, [(d, end_of_day(d)) for d in days], formats_for,
                                        now=now)
                if recent and "xlsx" not in wanted:
                    dropped = ReportArchive(views.status.recorder).drop_before("xlsx", min(recent))
                    if dropped:
                        console.print(f"dropped the kept XLSX of {dropped} earlier days")
            except NotFinal as e:
                console.print(f"[red]{e}[/red]")
                if not nightly:
                    raise typer.Exit(1) from None
            else:
                for m in made:
                    console.print(f"{m.as_of.isoformat()} {m.report:14s} {m.format:4s} {m.bytes / 1024:8.0f} KB "
                                  f"{m.seconds:6.2f} s")
                span = f"{days[0].isoformat()} – {days[-1].isoformat()}" if days else "no final day"
                console.print(f"archived {len(made)} answers ({span}, {len(days)} days; formats "
                              f"{', '.join(wanted)})")
            if not nightly:
                return
            wake = next_run(datetime.now(UTC))
            console.print(f"next run at {wake.isoformat()}")
            if stopping.wait((wake - datetime.now(UTC)).total_seconds()):
                return


def _check_archive(console: Console, settings: CampaignSettings, start: date | None, end: date | None,
                   wanted: list[str]) -> None:
    """Exits 1 naming the first day final for over an hour whose answer is not archived in every format."""
    from application.settings import Settings
    from interfaces.report_archive import CHECK_GRACE, REPORTS, definition, end_of_day, final_days
    from projections import open_views
    from projections.report_archive import CAMPAIGN, ReportArchive

    now = datetime.now(UTC)
    today = bureau_today(now)
    views = open_views(Settings().model_copy(update={"create_tables": False}))
    try:
        archive = ReportArchive(views.status.recorder)
        for day in final_days(start or settings.campaign_for(today).phases[0].start, end or today - timedelta(days=1),
                              now - CHECK_GRACE):
            key = definition(settings.campaign_for(day))
            missing = [f"{report} {f}" for report in REPORTS for f in wanted if (report == CAMPAIGN or f == "json")
                       and not archive.has(day, end_of_day(day), f, key, report)]
            if missing:
                console.print(f"[red]not archived: {day.isoformat()} ({', '.join(missing)})[/red]")
                raise typer.Exit(1)
    finally:
        views.close()
    console.print("every final day is archived")
