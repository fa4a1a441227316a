"""CLI commands for the projections: `zhijian project` and `zhijian rebuild`."""

from __future__ import annotations

from typing import Annotated

import typer

from projections.registry import VIEW_NAMES


def register(app: typer.Typer) -> None:
    """Adds the projection commands to the main CLI."""
    app.command()(project)
    app.command()(rebuild)


def project() -> None:
    """Run the projection worker (every view) until SIGTERM or Ctrl-C."""
    from projections.worker import main

    main()


def rebuild(
    view: Annotated[str | None, typer.Argument(help=f"{' | '.join(VIEW_NAMES)}; all views when omitted")] = None,
) -> None:
    """Rebuild a view from zero into new tables and switch over when caught up (writes go on meanwhile)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from application.settings import Settings
    from projections.rebuild import Rebuild

    console = Console()
    names = [view] if view else list(VIEW_NAMES)
    unknown = [n for n in names if n not in VIEW_NAMES]
    if unknown:
        console.print(f"[red]no such view: {unknown[0]}[/red] (views: {', '.join(VIEW_NAMES)})")
        raise typer.Exit(2)
    settings = Settings()
    for name in names:
        job = Rebuild(settings, name)
        try:
            columns = (TextColumn(f"[bold]重建 rebuild {name}"), BarColumn(), MofNCompleteColumn(),
                       TimeRemainingColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(name, total=job.last_position())

                def advance(position: int, progress: Progress = progress, task: TaskID = task) -> None:
                    progress.update(task, completed=position)

                job.build(advance)
                position = job.switch_over()
                progress.update(task, total=max(position, 1), completed=position)
        finally:
            job.close()
        console.print(f"{name}: rebuilt and switched over at position {position}")
