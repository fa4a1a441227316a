"""CLI commands for the log's integrity: `zhijian audit verify [--checkpoint FILE]`, `checkpoint`, `public-key`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from application.audit.service import Audit

audit_app = typer.Typer(help="审计 Audit: prove the log (hash tree, signed checkpoints).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Adds the audit commands to the main CLI."""
    app.add_typer(audit_app, name="audit")


def _audit() -> Audit:
    from application.audit.service import build_audit
    from application.bootstrap import build_ledger
    from application.settings import Settings

    settings = Settings()
    return build_audit(build_ledger(settings), settings)


@audit_app.command("verify")
def verify(
    checkpoint: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, readable=True,
        help="a checkpoint kept earlier (JSON from `zhijian audit checkpoint` or GET /audit/checkpoint): "
             "check its signature and that today's log extends it")] = None,
    start: Annotated[int, typer.Option("--from", min=0, help="first position to check")] = 0,
    stop: Annotated[int | None, typer.Option("--to", min=0, help="last position to check")] = None,
) -> None:
    """Recompute every event's leaf hash and the Merkle tree; name each broken event. Exit 1 if anything is."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from application.audit.checkpoints import Checkpoint

    console = Console()
    kept = None
    if checkpoint is not None:
        try:
            kept = Checkpoint.read(checkpoint)
        except ValueError as e:
            console.print(f"[red]{checkpoint}: {e}[/red]")
            raise typer.Exit(2) from None
    audit = _audit()
    columns = (TextColumn("[bold]核验 verify"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("log", total=stop if stop is not None else audit.last_position())

        def advance(position: int) -> None:
            progress.update(task, completed=position)

        if kept is None:
            report, check = audit.verify(start, stop, progress=advance), None
        else:
            check = audit.check_checkpoint(kept, progress=advance)
            report = check.report
    for b in report.breaks:
        who = "—" if b.enterprise_id is None else str(b.enterprise_id)
        console.print(f"[red]✗ position {b.position}[/red]  enterprise {who}  version {b.version or '—'}  "
                      f"[bold]{b.reason}[/bold]: {b.message}")
    if report.break_count > len(report.breaks):
        console.print(f"… and {report.break_count - len(report.breaks)} more")
    root = "" if report.root is None else f", root {report.root.hex()}"
    if report.ok:
        console.print(f"[green]✓ 日志完整 the log is intact[/green]: {report.checked} events checked{root}")
    else:
        console.print(f"[red]✗ 日志被改动 the log fails its check[/red]: {report.break_count} breaks in "
                      f"{report.checked} events")
    if check is not None and kept is not None:
        console.print(("[green]✓" if check.signed else "[red]✗") + f" 签名 signature of checkpoint {kept.size} "
                      f"(key {kept.key_id}): " + ("valid" if check.signed else "NOT valid for the bureau's key")
                      + ("[/green]" if check.signed else "[/red]"))
        console.print(("[green]✓" if check.extends else "[red]✗") + f" 一致 today's log ({check.size_now} leaves) "
                      + ("extends" if check.extends else "does NOT extend") + f" checkpoint {kept.size}"
                      + ("[/green]" if check.extends else "[/red]"))
    if not report.ok or (check is not None and not check.ok):
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="also write it to this file (keep it)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace a symbolic link at the output")] = False,
) -> None:
    """Print the log's signed tree head now (JSON), and keep it in zhijian_checkpoints."""
    from application.audit.checkpoints import checkpoint_json
    from application.audit.leaf_store import CheckpointRow
    from interfaces.safe_files import UnsafeTarget, check_target, replacing

    audit = _audit()
    if output is not None:
        try:
            check_target(output, force=force)
        except UnsafeTarget as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(2) from None
    cp = audit.checkpoint()
    audit.leaves.record_checkpoint(CheckpointRow(cp.size, cp.root_hash, cp.signed_at, cp.signature, cp.key_id))
    text = checkpoint_json(cp)
    if output is not None:
        with replacing(output, force=force) as out:
            out.write(text.encode())
    typer.echo(text, nl=False)


@audit_app.command("public-key")
def public_key() -> None:
    """Print the bureau's checkpoint public key (PEM) and its key id, to hand to auditors."""
    audit = _audit()
    typer.echo(audit.key.public_pem(), nl=False)
    typer.echo(f"key_id: {audit.key.key_id}")
