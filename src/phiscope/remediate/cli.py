"""`phiscope fix plan|apply|rollback` and `phiscope incident`.

(Foundation placeholder; the remediation issue implements these commands.)
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Close an exposure safely: plan, apply with backup, verify, roll back.", no_args_is_help=True
)


@app.command("plan")
def plan_command(targets: list[str] = typer.Argument(..., help="s3://BUCKET ...")) -> None:
    """Plan the minimal changes that remove public exposure."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def incident_command(scan_id: str = typer.Argument(..., help="scan id")) -> None:
    """Write the breach-file report for a scan: what, how, how many people, deadlines."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
