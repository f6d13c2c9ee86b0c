"""`phiscope scan` and `phiscope demo` (placeholders until the pipeline lands)."""

from __future__ import annotations

import typer


def scan_command(targets: list[str] = typer.Argument(..., help="s3://bucket[/prefix], s3://, or DIR")) -> None:
    """Scan buckets or folders: exposure, sensitive content, people affected."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def demo_command() -> None:
    """Start an embedded S3 endpoint with synthetic telehealth data and scan it."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
