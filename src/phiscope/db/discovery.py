"""Discovery tables: runs of `phiscope discover` and the buckets they found (existing or unverifiable).

So `serve` and `watch` can follow discovered buckets. Masked examples and request evidence only: no
column holds object content or a raw sensitive value. Created on demand (`ensure_tables`) too, like
the remediation tables, so discovery works on a database that predates them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
)

from phiscope.db.schema import metadata

discovery_runs = Table(
    "discovery_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("inputs", JSON, nullable=False),  # names, domain, providers, limits
    Column("candidates", Integer, nullable=False),  # (name, provider) pairs planned
    Column("checked", Integer, nullable=False),
    Column("unchecked", Integer, nullable=False),  # left out by the request budget
    Column("requests", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # clean | exposed | incomplete
)

discovered_buckets = Table(
    "discovered_buckets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("region", String(64)),
    Column("state", String(32), nullable=False),  # exists-private | exists-listable | exists-readable | error
    Column("anonymous_list", Boolean),
    Column("anonymous_read", Boolean),
    Column("reason", Text),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("evidence", JSON, nullable=False),  # requests, masked keys, classification summary
    Index("ix_discovered_buckets_bucket", "provider", "bucket"),
    Index("ix_discovered_buckets_run", "run_id"),
)

TABLES = [discovery_runs, discovered_buckets]


def ensure_tables(engine: Engine) -> None:
    metadata.create_all(engine, tables=TABLES, checkfirst=True)


def engine_for(url: str | None) -> Engine:
    from phiscope.db.store import connect

    engine = connect(url)
    ensure_tables(engine)
    return engine


def _ts(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.now(UTC)


def save_run(engine: Engine, run: dict[str, Any], buckets: list[dict[str, Any]]) -> None:
    """One transaction: the run row and every bucket row (a crash leaves neither)."""
    with engine.begin() as c:
        c.execute(
            insert(discovery_runs).values(
                id=run["id"],
                started_at=_ts(run["started_at"]),
                finished_at=_ts(run.get("finished_at")),
                inputs=run["inputs"],
                candidates=run["candidates"],
                checked=run["checked"],
                unchecked=run["unchecked"],
                requests=run["requests"],
                status=run["status"],
            )
        )
        if buckets:
            c.execute(
                insert(discovered_buckets),
                [
                    {
                        "run_id": run["id"],
                        "provider": b["provider"],
                        "bucket": b["bucket"],
                        "endpoint": b["endpoint"],
                        "region": b.get("region"),
                        "state": b["state"],
                        "anonymous_list": b["anonymous"]["list"],
                        "anonymous_read": b["anonymous"]["read"],
                        "reason": b.get("reason"),
                        "checked_at": _ts(b.get("checked_at")),
                        "evidence": {
                            "requests": b.get("requests", []),
                            "keys_seen": b.get("keys_seen", 0),
                            "more_keys": b.get("more_keys", False),
                            "example_keys": b.get("example_keys", []),
                            "classification": b.get("classification"),
                        },
                    }
                    for b in buckets
                ],
            )


def latest_states(engine: Engine) -> list[dict[str, Any]]:
    """The last known state of every discovered bucket (what `watch`/`serve` follow)."""
    with engine.connect() as c:
        rows = c.execute(
            select(discovered_buckets).order_by(discovered_buckets.c.checked_at, discovered_buckets.c.id)
        ).mappings()
        last: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            last[(r["provider"], r["bucket"])] = dict(r)
        return list(last.values())
