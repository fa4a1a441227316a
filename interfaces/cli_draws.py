"""CLI commands for random inspections (双随机): `zhijian draws seed|announce|draw|publish|cancel|verify|list`.

Acts are recorded as the official whose token is given (`--token`, or ZHIJIAN_TOKEN), as
over HTTP. A draw, its verification and the list read the views; this process runs the
projections itself while it needs them, or stands by while a server or `zhijian project`
runs them (the same election as the server's), and waits until they hold the whole log.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import typer

TokenOption = Annotated[str, typer.Option("--token", envvar="ZHIJIAN_TOKEN", help="your token (or ZHIJIAN_TOKEN)")]
VIEWS_TIMEOUT_SECONDS = 60.0


def register(app: typer.Typer) -> None:
    """Adds the draw commands to the main CLI."""
    draws = typer.Typer(help="Random inspections (双随机): plans, draws, verification.", no_args_is_help=True)
    for command in (seed, announce, draw, publish, cancel, verify, list_plans):
        draws.command(command.__name__.replace("list_plans", "list"))(command)
    app.add_typer(draws, name="draws")


def _console() -> Any:
    from rich.console import Console

    return Console()


def _fail(error: Exception) -> None:
    from domain.errors import DomainError

    if isinstance(error, DomainError):
        _console().print(f"[red]拒绝 refused[/red] ({error.rule}): {error.detail}")
    else:
        _console().print(f"[red]{error}[/red]")
    raise typer.Exit(2)


@contextmanager
def _ledger() -> Iterator[Any]:
    from application.bootstrap import build_ledger
    from application.settings import Settings

    ledger = build_ledger(Settings())
    try:
        yield ledger
    finally:
        ledger.close()


@contextmanager
def open_fed_views() -> Iterator[Any]:
    """The views, fed by this process's runners if no other process feeds them (elected as the server's are)."""
    from application.settings import Settings
    from interfaces.http.leader import FileLease
    from projections import open_views
    from projections.runners import Runners, start_runners

    settings = Settings()
    views = open_views(settings)
    running: list[Runners] = []

    def start() -> None:
        running.append(start_runners(settings, poll_interval=0.1))

    def stop() -> None:
        for runners in running:
            runners.stop()

    lease = None if settings.is_postgres else FileLease(settings.data_dir / "projections.lock", on_acquired=start,
                                                         on_release=stop)
    if lease is None:
        start()
    else:
        lease.start()
    try:
        yield views
    finally:
        if lease is not None:
            lease.stop()
        else:
            stop()
        views.close()


def seed() -> None:
    """Print a new random seed and its commitment (SHA-256): announce the commitment, keep the seed secret."""
    from domain.draw import commitment

    value = secrets.token_hex(24)
    print(f"seed: {value}")
    print(f"commitment: {commitment(value)}")


def _quota(text: str) -> dict[str, Any]:
    kind, _, value = text.partition(":")
    if kind == "ratio" and value:
        return {"ratio": value}
    if kind == "count" and value.isdigit():
        return {"count": int(value)}
    raise typer.BadParameter(f"{text!r}: ratio:0.2 or count:5")


def announce(
    token: TokenOption,
    name: Annotated[str, typer.Option(help="计划名称")],
    commitment: Annotated[str, typer.Option(help="SHA-256 of the secret seed (zhijian draws seed)")],
    period_start: Annotated[str, typer.Option(help="检查期限起 YYYY-MM-DD")],
    period_end: Annotated[str, typer.Option(help="检查期限止 YYYY-MM-DD")],
    bad_record: Annotated[str, typer.Option(help="quota of enterprises with a bad record: ratio:R or count:N")],
    high_risk: Annotated[str, typer.Option(help="quota of high-risk enterprises: ratio:R or count:N")],
    general: Annotated[str, typer.Option(help="quota of the others: ratio:R or count:N")],
    town: Annotated[list[str] | None, typer.Option(help="镇街, repeatable; none: every town")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="类型, repeatable; none: every kind")] = None,
    category: Annotated[list[str] | None, typer.Option(help="产品类别, repeatable; none: any")] = None,
    high_risk_category: Annotated[list[str] | None, typer.Option(help="高风险品类, repeatable")] = None,
    inspectors_per_target: Annotated[int, typer.Option(min=2, max=10)] = 2,
    cross_town: Annotated[bool, typer.Option("--cross-town", help="异地检查: no inspector of the town")] = False,
    recent_months: Annotated[int, typer.Option(min=0, max=60, help="回避: not who inspected it in N months")] = 0,
) -> None:
    """发布抽查计划: announce a plan with the commitment of its seed; prints the plan's id."""
    from application.commands import AnnounceDraw
    from domain.bureau_time import bureau_today
    from domain.errors import DomainError
    from domain.values import Kind, ProductCategory

    try:
        command = AnnounceDraw(
            name=name, seed_commitment=commitment, period_start=date.fromisoformat(period_start),
            period_end=date.fromisoformat(period_end), towns=town or [], kinds=[Kind(k) for k in kind or []],
            categories=[ProductCategory(c) for c in category or []],
            high_risk_categories=[ProductCategory(c) for c in high_risk_category or []],
            strata={"bad_record": _quota(bad_record), "high_risk": _quota(high_risk), "general": _quota(general)},
            inspectors_per_target=inspectors_per_target, cross_town=cross_town, recent_months=recent_months)
        with _ledger() as ledger:
            result = ledger.announce_draw(command, by=ledger.authenticate(token), today=bureau_today())
    except (DomainError, ValueError) as e:
        _fail(e)
    _console().print(f"announced / 已发布 (position {result.position})")
    print(result.enterprise_id)


def draw(
    plan_id: UUID, token: TokenOption,
    seed_value: Annotated[str, typer.Option("--seed", help="the secret seed whose commitment was announced")],
) -> None:
    """随机抽取: reveal the seed and draw from the register as known now; prints the selection."""
    from application.commands import DrawTargets
    from domain.bureau_time import bureau_today
    from domain.errors import DomainError
    from interfaces.draw_reading import caught_up_register
    from projections.views import ViewLagging

    try:
        with _ledger() as ledger, open_fed_views() as views:
            by = ledger.authenticate(token)
            ledger.draw(plan_id, DrawTargets(seed=seed_value), read_register=caught_up_register(
                views, VIEWS_TIMEOUT_SECONDS), known_at=datetime.now(UTC), by=by, today=bureau_today())
            described = ledger.describe_draw(plan_id)
    except (DomainError, ViewLagging) as e:
        _fail(e)
    _print_selection(described)


def publish(plan_id: UUID, token: TokenOption) -> None:
    """公示: publish a drawn plan and its results."""
    from application.commands import PublishDraw
    from domain.bureau_time import bureau_today
    from domain.errors import DomainError

    try:
        with _ledger() as ledger:
            ledger.publish_draw(plan_id, PublishDraw(), by=ledger.authenticate(token), today=bureau_today())
    except DomainError as e:
        _fail(e)
    _console().print("published / 已公示")


def cancel(plan_id: UUID, token: TokenOption, reason: Annotated[str, typer.Option(help="撤销理由")]) -> None:
    """撤销: cancel a plan not yet published."""
    from application.commands import CancelDraw
    from domain.bureau_time import bureau_today
    from domain.errors import DomainError

    try:
        with _ledger() as ledger:
            ledger.cancel_draw(plan_id, CancelDraw(reason=reason), by=ledger.authenticate(token), today=bureau_today())
    except DomainError as e:
        _fail(e)
    _console().print("cancelled / 已撤销")


def verify(plan_id: UUID) -> None:
    """Recompute a draw from the log; exit 0 when the recorded selection is exactly what the seed gives, 1 if not."""
    from domain.errors import DomainError
    from interfaces.draw_reading import caught_up_register
    from projections.views import ViewLagging

    try:
        with _ledger() as ledger, open_fed_views() as views:
            verdict = ledger.verify_draw(plan_id, caught_up_register(views, VIEWS_TIMEOUT_SECONDS))
    except (DomainError, ViewLagging) as e:
        _fail(e)
    print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    if not verdict.ok:
        raise typer.Exit(1)


def list_plans(state: Annotated[str | None, typer.Option(help="announced | drawn | published | cancelled")] = None
               ) -> None:
    """List the draw plans, newest first."""
    from rich.table import Table

    from interfaces.draw_reading import DRAW_VIEWS
    from projections.draw_queries import plans

    with open_fed_views() as views:
        views.wait_for(views.log.last_position(), VIEWS_TIMEOUT_SECONDS, DRAW_VIEWS)
        found = plans(views, datetime.now(UTC), state=state)
    table = Table(title="抽查计划 draw plans")
    for column in ("plan_id", "名称 name", "单位 unit", "状态 state", "期限 period", "抽中 targets"):
        table.add_column(column)
    for p in found:
        table.add_row(p.plan_id, p.name, p.unit, p.state, f"{p.period_start}–{p.period_end}", str(p.targets))
    _console().print(table)


def _print_selection(described: dict[str, Any]) -> None:
    from rich.table import Table

    selection = described["selection"]
    table = Table(title=f"{described['name']}: 抽取结果 (seed {described['seed']}, known_at {described['known_at']})")
    for column in ("分层 stratum", "企业 enterprise_id", "检查人员 inspectors"):
        table.add_column(column)
    for t in selection["targets"]:
        table.add_row(t["stratum"], t["enterprise_id"], ", ".join(t["inspectors"]))
    console = _console()
    console.print(table)
    console.print(" ".join(f"{s['stratum']}: {s['chosen']}/{s['candidates']}" for s in selection["strata"]))
