"""The `zhijian` command line (typer)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from application.bootstrap import build_ledger
from application.ledger import Ledger
from application.results import HistoryEntry
from application.settings import Settings
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from domain.errors import DomainError, LogIntegrityError
from domain.values import Role

app = typer.Typer(help="质监 zhijian — an event-sourced enforcement ledger.", no_args_is_help=True)
officials_app = typer.Typer(help="Officials (人员): appoint, tokens.", no_args_is_help=True)
enterprises_app = typer.Typer(help="Enterprises (企业): census import.", no_args_is_help=True)
app.add_typer(officials_app, name="officials")
app.add_typer(enterprises_app, name="enterprises")
console = Console()


def _ledger() -> Ledger:
    return build_ledger(Settings())


def _fail(error: DomainError) -> None:
    if isinstance(error, LogIntegrityError):  # not a refusal: the stored log was changed below the application
        console.print(f"[red]日志完整性校验失败 log integrity check failed[/red] ({error.rule}): {error.detail}")
        raise typer.Exit(3)
    console.print(f"[red]拒绝 refused[/red] ({error.rule}): {error.detail}")
    raise typer.Exit(2)


@officials_app.command("add")
def officials_add(
    name: Annotated[str, typer.Option(help="姓名")],
    unit: Annotated[str, typer.Option(help="单位")],
    role: Annotated[Role, typer.Option(help="inspector | supervisor | auditor | admin")],
    town: Annotated[list[str] | None, typer.Option(help="辖区镇街, repeatable; none means unit-wide")] = None,
) -> None:
    """Appoint an official and print their new token once."""
    ledger = _ledger()
    try:
        appointed = ledger.appoint_official(by=SYSTEM, today=bureau_today(), name=name, unit=unit, role=role,
                                            towns=town or [])
    except DomainError as e:
        _fail(e)
    console.print(f"official_id: {appointed.official_id}")
    console.print("token (shown once, store it safely / 令牌仅显示一次):")
    print(appointed.token)


@officials_app.command("token")
def officials_token(official_id: UUID) -> None:
    """Issue another token to an official (printed once)."""
    try:
        print(_ledger().issue_token(official_id, by=SYSTEM, today=bureau_today()))
    except DomainError as e:
        _fail(e)


@officials_app.command("revoke")
def officials_revoke(official_id: UUID, token: str) -> None:
    """Revoke one of an official's tokens."""
    try:
        _ledger().revoke_token(official_id, token, by=SYSTEM, today=bureau_today())
    except DomainError as e:
        _fail(e)
    console.print("revoked / 已吊销")


@officials_app.command("deactivate")
def officials_deactivate(official_id: UUID, reason: str = "") -> None:
    """Deactivate an official: every token stops working."""
    try:
        _ledger().deactivate_official(official_id, by=SYSTEM, today=bureau_today(), reason=reason)
    except DomainError as e:
        _fail(e)
    console.print("deactivated / 已停用")


@enterprises_app.command("import")
def enterprises_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    force: Annotated[bool, typer.Option(
        "--force", help="replace FILE.errors.csv even if it is a symbolic link (the link itself, never its target)",
    )] = False,
) -> None:
    """Import a census list (CSV or XLSX); bad rows go to FILE.errors.csv with their reasons."""
    from application.census import CensusImport
    from interfaces.census_files import UnreadableFile, count_rows, error_file_for, read_rows, write_errors
    from interfaces.safe_files import UnsafeTarget, check_target

    try:
        check_target(error_file_for(file), force=force)  # before importing anything
        total = count_rows(file)
    except (UnreadableFile, UnsafeTarget) as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    importer = CensusImport(_ledger(), actor=SYSTEM, today=bureau_today())
    columns = (TextColumn("[bold]普查导入 import"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("rows", total=total)
        report = importer.run(read_rows(file), progress=lambda n: progress.advance(task, n))
    console.print(
        f"rows {total}: registered {report.registered}, already registered {report.already_registered}, "
        f"bad rows {report.bad_rows}"
    )
    target = error_file_for(file)
    if report.errors:
        write_errors(file, report.errors, force=force)
        console.print(f"[yellow]errors written to {target}[/yellow]")
    elif target.exists() or target.is_symlink():
        target.unlink()  # a stale error file (or, with --force, a link: the link, never its target)
    if report.errors:
        raise typer.Exit(1)


@app.command()
def history(
    enterprise_id: UUID,
    after_version: Annotated[int, typer.Option("--after-version", min=0, help="start after this version")] = 0,
    limit: Annotated[int, typer.Option(min=1, help="events per page")] = 100,
) -> None:
    """Print an enterprise's audit trail, a page at a time: every event, its actor, both times."""
    try:
        page = _ledger().history(enterprise_id, after_version=after_version, limit=limit)
    except DomainError as e:
        _fail(e)
    print_history(list(page))
    if page.next_after_version is not None:
        console.print(f"more / 还有：zhijian history {enterprise_id} --after-version {page.next_after_version}")
    else:
        console.print(f"end / 完 (latest version {page.latest_version})")


def print_history(entries: Sequence[HistoryEntry]) -> None:
    table = Table(title="审计轨迹 audit trail", show_lines=False)
    for col in ("#", "位置 pos", "事件 event", "发生 occurred_on", "录入 recorded_at", "人员 actor", "内容 payload",
                "更正 retracted"):
        table.add_column(col)
    for h in entries:
        payload = ", ".join(f"{k}={v}" for k, v in h.payload.items() if v not in ("", [], None))
        retracted = f"由第{h.retracted.version}号更正: {h.retracted.reason}" if h.retracted else ""
        table.add_row(
            str(h.version), str(h.position), h.type, h.occurred_on.isoformat(),
            h.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), f"{h.actor.name}（{h.actor.unit}）", payload[:80], retracted,
        )
    console.print(table)


@app.command()
def demo() -> None:
    """Seed a realistic demo campaign (once) and show one enterprise's history."""
    from seeding.demo import seed_demo

    ledger = _ledger()
    result = seed_demo(ledger, bureau_today())
    if result.seeded:
        console.print(f"seeded the demo: {result.enterprises} enterprises, {len(result.officials)} officials")
    else:
        console.print(f"demo already seeded ({result.enterprises} enterprises)")
    _demo_draw(ledger, result.officials["李明"])
    token = ledger.issue_token(result.officials["李明"], by=SYSTEM, today=bureau_today())
    console.print(f"demo token for 李明 (食品监管办, supervisor): {token}")
    if result.first_enterprise:
        print_history(ledger.history(result.first_enterprise))


def _demo_draw(ledger: Ledger, chief_id: UUID) -> None:
    """The demo's published random inspection plan (seeding/demo_draws.py); a failure is reported, not fatal."""
    from interfaces.cli_draws import VIEWS_TIMEOUT_SECONDS, open_fed_views
    from interfaces.draw_reading import caught_up_register
    from projections.views import ViewLagging
    from seeding.demo_draws import seed_demo_draw

    try:
        with open_fed_views() as views:
            plan_id = seed_demo_draw(ledger, bureau_today(), ledger.caller(chief_id),
                                     caught_up_register(views, VIEWS_TIMEOUT_SECONDS))
    except (DomainError, ViewLagging) as e:
        console.print(f"[yellow]demo draw plan not seeded: {e}[/yellow]")
        return
    console.print(f"demo draw plan (双随机, published): {plan_id}  →  /public/draws/{plan_id}")


@app.command("replay-sf")
def replay_sf(
    folder: Annotated[Path, typer.Argument(help="folder of businesses.csv, inspections.csv, violations.csv")] = Path(
        "tests/fixtures/sf-food-inspections"),
    limit: Annotated[int | None, typer.Option(help="only the first N businesses")] = None,
) -> None:
    """Replay San Francisco's published food inspections through the ledger (see seeding/sf_replay.py)."""
    from seeding.sf_replay import read_businesses, replay

    ledger = _ledger()
    businesses = read_businesses(folder, limit=limit)
    appointed = ledger.appoint_official(by=SYSTEM, today=bureau_today(), name="旧金山数据回放", unit="数据回放",
                                        role=Role.SUPERVISOR)
    counts, _ = replay(ledger, ledger.authenticate(appointed.token), businesses, today=bureau_today())
    console.print(f"enterprises {counts.enterprises}, inspections {counts.inspections}, "
                  f"orders {counts.orders}, verifications {counts.verifications}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes (each with its own ledger and cache)")] = 1,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
    demo_data: Annotated[bool, typer.Option("--demo", help="seed the demo first and print a demo token")] = False,
) -> None:
    """Serve the HTTP API (and, in embedded mode, the projections: in one of the workers)."""
    if demo_data:
        demo()
    import uvicorn

    # An import string and a factory: each worker process builds its own app from the environment.
    # On SIGTERM each worker lets requests in flight finish for the grace period, then exits
    # (interfaces/http/stopping.py bounds what a thread still working could add).
    uvicorn.run("interfaces.http.main:serve_app", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, timeout_graceful_shutdown=Settings().shutdown_grace_seconds)


def main() -> None:
    app()


# The command groups kept in their own modules join `app` here, as it is imported, so that
# `app` is the whole CLI wherever it is used (main(), tests); registering builds nothing.
from interfaces import cli_audit, cli_db, cli_draws, cli_reports, cli_views  # noqa: E402 - they register on `app`

cli_audit.register(app)
cli_db.register(app)
cli_views.register(app)
cli_reports.register(app)
cli_draws.register(app)


if __name__ == "__main__":
    main()
