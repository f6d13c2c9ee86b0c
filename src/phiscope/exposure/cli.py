"""`phiscope exposure snapshot|evaluate` and `phiscope probe`.

(Foundation placeholder; the exposure issue implements these commands.)
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Owner-side view: who can list, read and write a bucket, and why.", no_args_is_help=True
)


@app.command("snapshot")
def snapshot_command(target: str = typer.Argument(..., help="s3://BUCKET")) -> None:
    """Write a bucket snapshot v1 (ACLs, policy, Block Public Access, ownership) as JSON."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(snapshot: str = typer.Argument(..., help="SNAPSHOT.json")) -> None:
    """Evaluate a snapshot: who can list/read/write, with the settings that decide it."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def probe_command(targets: list[str] = typer.Argument(..., help="bucket names or URLs")) -> None:
    """Attacker-side view: what anyone on the internet gets from these buckets, with no credentials."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
