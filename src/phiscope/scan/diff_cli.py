"""`phiscope diff OLD_SCAN NEW_SCAN`: what appeared, what stayed and what was fixed between two scans."""

from __future__ import annotations

import json

import typer


def diff_command(
    old_scan: str = typer.Argument(..., help="Scan id of the earlier scan"),
    new_scan: str = typer.Argument(..., help="Scan id of the later scan"),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL (default: SQLite in the data dir)"),
    as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON (phiscope/diff/v1)"),
) -> None:
    """Show new, resolved and changed findings between two scans (exit 3 when something is new)."""
    from phiscope.db.store import Store
    from phiscope.scan.diff import diff_summary
    from phiscope.scan.report import build_report

    try:
        store = Store.open(db)
    except Exception as e:
        typer.echo(f"error: cannot open the findings database: {type(e).__name__}", err=True)
        raise typer.Exit(1) from None
    reports = []
    for sid in (old_scan, new_scan):
        if store.get_scan(sid) is None:
            typer.echo(f"error: no scan {sid} in the database", err=True)
            raise typer.Exit(1)
        reports.append(build_report(store, sid))
    summary = diff_summary(reports[0], reports[1])
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        c = summary["counts"]
        typer.echo(
            f"{old_scan} -> {new_scan}: {c['new']} new, {c['resolved']} resolved, "
            f"{c['changed']} changed severity, {c['still_open']} still open"
        )
        for label in ("new", "resolved", "changed"):
            for r in summary[label]:
                typer.echo(f"  {label:<8} {r['severity']:<8} {r['id']}  {r['title']}")
    raise typer.Exit(3 if summary["counts"]["new"] else 0)
