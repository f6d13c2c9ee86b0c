"""`phiscope scans`: the scans in the findings database, newest first, so a scan id (for `report`,
`incident`, `fix plan --scan`, `scan --resume`) can be found without reading the database."""

from __future__ import annotations

import json
from typing import Any

import typer


def list_scans(db: str | None, limit: int = 20, people: bool = True) -> list[dict[str, Any]]:
    """One summary per scan: id, start, targets, mode, status, objects, exposed buckets, people."""
    from sqlalchemy import func, select

    from phiscope.db.schema import objects, scans
    from phiscope.db.store import Store
    from phiscope.impact.people import count_people

    store = Store.open(db)
    with store.engine.connect() as c:
        rows = c.execute(select(scans).order_by(scans.c.started_at.desc()).limit(limit)).mappings().all()
        counts: dict[str, int] = dict(
            c.execute(
                select(objects.c.scan_id, func.count())
                .where(objects.c.scan_id.in_([r["id"] for r in rows]))
                .group_by(objects.c.scan_id)
            ).all()
        )
    out: list[dict[str, Any]] = []
    for r in rows:
        buckets = store.bucket_rows(r["id"])
        exposed = sum(1 for b in buckets if (b.get("exposure") or {}).get("public"))
        started = r["started_at"]
        out.append(
            {
                "id": r["id"],
                "started_at": started.isoformat(timespec="seconds") if started else None,
                "targets": list(r["targets"] or []),
                "mode": r["mode"],
                "status": r["state"],
                "objects": int(counts.get(r["id"], 0)),
                "buckets": len(buckets),
                "exposed_buckets": exposed,
                "people": count_people(store.person_records(r["id"])).total if people else None,
            }
        )
    return out


def scans_command(
    db: str | None = typer.Option(None, "--db", help="Findings DB URL (default: SQLite in the data dir)"),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Newest N scans"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
    people: bool = typer.Option(True, "--people/--no-people", help="Count people per scan (slower)"),
) -> None:
    """List past scans: id, start, targets, mode, status, objects, exposed buckets, people."""
    from rich.console import Console
    from rich.table import Table

    from phiscope.contract import UsageError

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    rows = list_scans(db, limit, people)
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console()
    if not rows:
        console.print("No scans in the database yet (run `phiscope scan TARGET`).")
        return
    t = Table(title="Scans (newest first)", title_justify="left", expand=True)
    t.add_column("Scan id", no_wrap=True)
    t.add_column("Started", overflow="fold")
    t.add_column("Targets", overflow="fold", ratio=2)
    t.add_column("Mode", no_wrap=True)
    t.add_column("Status", no_wrap=True)
    t.add_column("Objects", justify="right", no_wrap=True)
    t.add_column("Exposed", justify="right", no_wrap=True)
    t.add_column("People", justify="right", no_wrap=True)
    style = {"finished": "green", "interrupted": "yellow", "failed": "red", "running": "cyan"}
    for r in rows:
        t.add_row(
            r["id"],
            (r["started_at"] or "").replace("T", " ")[:16],
            ", ".join(r["targets"]),
            r["mode"],
            f"[{style.get(r['status'], '')}]{r['status']}[/]",
            f"{r['objects']:,}",
            f"{r['exposed_buckets']} of {r['buckets']}",
            "—" if r["people"] is None else f"{r['people']:,}",
        )
    console.print(t)
