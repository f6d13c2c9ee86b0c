"""Remediation tables: plans, backups of the exact previous configuration, applied changes, checks.

They hang off the shared metadata (so Alembic sees them) and are also created on demand with
`ensure_tables`, so remediation works on a findings database that predates them. Settings only:
no column holds object content or a sensitive value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Engine, Index, Integer, String, Table, Text, insert, select

from phiscope.db.schema import metadata

remediation_plans = Table(
    "remediation_plans",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("scan_id", String(64)),  # the scan that found the exposure, when known
    Column("endpoint", Text),
    Column("plan", JSON, nullable=False),
)

remediation_backups = Table(
    "remediation_backups",
    metadata,
    Column("id", String(64), primary_key=True),  # the apply run id
    Column("plan_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("path", Text),  # the backup JSON file written beside it
    Column("backup", JSON, nullable=False),  # the exact previous configuration
)

remediation_changes = Table(
    "remediation_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("plan_id", String(64), nullable=False),
    Column("bucket", String(255)),
    Column("action", String(64), nullable=False),
    Column("target", JSON, nullable=False),
    Column("before", JSON),  # the live value read just before the change
    Column("after", JSON),
    Column("status", String(16), nullable=False),  # applied | failed | rolled_back | rollback_failed
    Column("error", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_remediation_changes_bucket", "bucket"),
)

remediation_verifications = Table(
    "remediation_verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("verified_at", DateTime(timezone=True), nullable=False),
    Column("status", String(32), nullable=False),  # closed | still exposed
    Column("result", JSON, nullable=False),  # evaluation summary, evidence, probe
    Index("ix_remediation_verifications_bucket", "bucket"),
)

TABLES = [remediation_plans, remediation_backups, remediation_changes, remediation_verifications]


def now() -> datetime:
    return datetime.now(UTC)


def engine_for(url: str | None) -> Engine:
    """An engine with the remediation tables present (findings tables migrated when possible)."""
    engine: Engine
    try:
        from phiscope.db.store import connect

        engine = connect(url)
    except ImportError:  # pragma: no cover - the store module ships with the package
        from sqlalchemy import create_engine

        engine = create_engine(url or "sqlite:///phiscope.db", future=True)
    ensure_tables(engine)
    return engine


def ensure_tables(engine: Engine) -> None:
    metadata.create_all(engine, tables=TABLES, checkfirst=True)


def save_plan(engine: Engine, plan: dict[str, Any]) -> None:
    with engine.begin() as c:
        exists = c.execute(select(remediation_plans.c.id).where(remediation_plans.c.id == plan["id"])).first()
        if not exists:
            c.execute(
                insert(remediation_plans).values(
                    id=plan["id"],
                    created_at=now(),
                    scan_id=plan.get("scan_id"),
                    endpoint=plan.get("endpoint_url"),
                    plan=plan,
                )
            )


def save_backup(engine: Engine, backup: dict[str, Any], path: str | None) -> None:
    with engine.begin() as c:
        c.execute(
            insert(remediation_backups).values(
                id=backup["run_id"],
                plan_id=backup["plan_id"],
                created_at=now(),
                path=path,
                backup=backup,
            )
        )


def record_change(
    engine: Engine,
    *,
    run_id: str,
    plan_id: str,
    change: dict[str, Any],
    before: Any,
    status: str,
    error: str | None = None,
) -> None:
    with engine.begin() as c:
        c.execute(
            insert(remediation_changes).values(
                run_id=run_id,
                plan_id=plan_id,
                bucket=change["target"].get("bucket"),
                action=change["action"],
                target=change["target"],
                before=before,
                after=change.get("after"),
                status=status,
                error=error,
                at=now(),
            )
        )


def record_verification(engine: Engine, run_id: str, result: dict[str, Any]) -> None:
    with engine.begin() as c:
        c.execute(
            insert(remediation_verifications).values(
                run_id=run_id,
                bucket=result["bucket"],
                verified_at=now(),
                status=result["status"],
                result=result,
            )
        )


def bucket_history(engine: Engine, bucket: str) -> dict[str, list[dict[str, Any]]]:
    """Changes and verifications recorded for a bucket, oldest first (for the incident timeline)."""
    with engine.connect() as c:
        changes = c.execute(
            select(remediation_changes)
            .where(remediation_changes.c.bucket == bucket)
            .order_by(remediation_changes.c.at, remediation_changes.c.id)
        ).mappings()
        ch = [dict(r) for r in changes]
        checks = c.execute(
            select(remediation_verifications)
            .where(remediation_verifications.c.bucket == bucket)
            .order_by(remediation_verifications.c.verified_at, remediation_verifications.c.id)
        ).mappings()
        return {"changes": ch, "verifications": [dict(r) for r in checks]}
