"""Estate-scale tables: the listed population of each sampling stratum, and the account of a bucket.

A sampled scan keeps how many objects each stratum (bucket × top-level prefix × extension) holds, so
the report can expand what was read into whole-bucket estimates (scan/estimate.py) from the database
alone, and a resumed scan or a later `phiscope report` gives the same numbers. An Organization scan
records which account each bucket belongs to. Counts and account ids only: no content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from phiscope.db.schema import metadata
from phiscope.model import ObjectRef

scan_strata = Table(
    "scan_strata",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("prefix", String(1024), nullable=False),
    Column("ext", String(64), nullable=False),
    Column("objects_total", Integer, nullable=False),
    Column("bytes_total", BigInteger, nullable=False),
    Column("objects_selected", Integer, nullable=False),
    Index("ix_scan_strata_scan", "scan_id", "bucket"),
)

bucket_accounts = Table(
    "bucket_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("account_id", String(32), nullable=False),
    Column("account_name", String(255)),
    Index("ix_bucket_accounts_scan", "scan_id", "bucket"),
)

scan_accounts = Table(
    "scan_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", String(64), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", String(32), nullable=False),
    Column("account_name", String(255)),
    Column("status", String(32), nullable=False),  # scanned | could_not_verify | excluded | suspended
    Column("reason", Text),
    Column("block_public_access", JSON),  # the account-level S3 Block Public Access configuration
    Column("buckets", Integer, nullable=False),
    Index("ix_scan_accounts_scan", "scan_id"),
)


def save_strata(
    engine: Engine, scan_id: str, bucket: str, listed: Iterable[ObjectRef], chosen: Iterable[ObjectRef]
) -> None:
    """Replace the bucket's strata counts (a resumed scan lists again and writes the same rows)."""
    from phiscope.scan.sampling import stratum

    n: Counter[tuple[str, str]] = Counter()
    size: Counter[tuple[str, str]] = Counter()
    for r in listed:
        k = stratum(r)
        n[k] += 1
        size[k] += r.size
    sel = Counter(stratum(r) for r in chosen)
    rows = [
        {
            "scan_id": scan_id,
            "bucket": bucket,
            "prefix": k[0][:1024],
            "ext": k[1][:64],
            "objects_total": n[k],
            "bytes_total": size[k],
            "objects_selected": sel.get(k, 0),
        }
        for k in sorted(n)
    ]
    with engine.begin() as c:
        c.execute(delete(scan_strata).where(scan_strata.c.scan_id == scan_id, scan_strata.c.bucket == bucket))
        if rows:
            c.execute(insert(scan_strata), rows)


def strata_rows(engine: Engine, scan_id: str) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(scan_strata).where(scan_strata.c.scan_id == scan_id).order_by(scan_strata.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def save_account(engine: Engine, scan_id: str, bucket: str, account_id: str, name: str | None) -> None:
    with engine.begin() as c:
        c.execute(
            delete(bucket_accounts).where(
                bucket_accounts.c.scan_id == scan_id, bucket_accounts.c.bucket == bucket
            )
        )
        c.execute(
            insert(bucket_accounts).values(
                scan_id=scan_id, bucket=bucket, account_id=account_id, account_name=name
            )
        )


def accounts_of(engine: Engine, scan_id: str) -> dict[str, dict[str, str | None]]:
    """bucket → {"id": account id, "name": account name} for the buckets of an Organization scan."""
    with engine.connect() as c:
        rows = c.execute(select(bucket_accounts).where(bucket_accounts.c.scan_id == scan_id))
        return {r["bucket"]: {"id": r["account_id"], "name": r["account_name"]} for r in rows.mappings()}


def people_per_object(engine: Engine, scan_id: str) -> Iterator[tuple[str, str, int]]:
    """(bucket, key, distinct people in that object) for every object with person records.

    Records of one object are already merged into one per person by the worker; merging again here
    keeps the count right for rows written by any other path.
    """
    from phiscope.db.store import person_record_rows
    from phiscope.impact.people import compress_records

    with engine.connect() as c:
        current: tuple[str, str] | None = None
        records: list[frozenset[str]] = []
        for bucket, key, keys in person_record_rows(c, scan_id):
            if (bucket, key) != current:
                if current is not None:
                    yield current[0], current[1], len(compress_records(records))
                current, records = (bucket, key), []
            records.append(keys)
        if current is not None:
            yield current[0], current[1], len(compress_records(records))


def save_accounts(engine: Engine, scan_id: str, accounts: Iterable[dict[str, Any]]) -> None:
    """Replace the scan's account rows (id, name, status, reason, block_public_access, buckets)."""
    rows = [
        {
            "scan_id": scan_id,
            "account_id": a["id"],
            "account_name": a.get("name"),
            "status": a["status"],
            "reason": a.get("reason"),
            "block_public_access": a.get("block_public_access"),
            "buckets": int(a.get("buckets", 0)),
        }
        for a in accounts
    ]
    with engine.begin() as c:
        c.execute(delete(scan_accounts).where(scan_accounts.c.scan_id == scan_id))
        if rows:
            c.execute(insert(scan_accounts), rows)


def account_rows(engine: Engine, scan_id: str) -> list[dict[str, Any]]:
    with engine.connect() as c:
        rows = c.execute(
            select(scan_accounts).where(scan_accounts.c.scan_id == scan_id).order_by(scan_accounts.c.id)
        )
        return [
            {
                "id": r["account_id"],
                "name": r["account_name"],
                "status": r["status"],
                "reason": r["reason"],
                "block_public_access": r["block_public_access"],
                "buckets": r["buckets"],
            }
            for r in rows.mappings()
        ]
