"""The findings database: connect (and migrate), write scan results, read them back.

SQLite file in the user's data dir by default, PostgreSQL (or anything SQLAlchemy speaks) by URL.
The scan writes each finished object in one transaction, so the table of objects is also the resume
ledger: after a crash or kill -9 the rows present are exactly the objects that need no re-scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, update

from phiscope.db.schema import buckets, detections, objects, person_keys, scans
from phiscope.model import ObjectResult

MIGRATIONS = Path(__file__).with_name("migrations")
# Fingerprints kept per (object, type): the smallest 10,000, i.e. the k-minimum-values sample that
# DetectionSummary keeps (model.py), bounded so a million-row export does not store a million hashes
# in one row; merged across objects they still estimate distinct values.
MAX_STORED_FINGERPRINTS = 10_000
KEY_BATCH = 20_000  # person-key rows per INSERT


def default_db_url() -> str:
    """`PHISCOPE_DB` if set, else a SQLite file in the user's data directory."""
    env = os.environ.get("PHISCOPE_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    path = Path(user_data_dir("phiscope")) / "findings.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers (dashboard, incident) never block the scan
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def connect(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine for `url` with the schema brought up to date by Alembic."""
    url = url or default_db_url()
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class BucketRow:
    name: str
    endpoint: str | None
    region: str | None
    exposure: dict[str, Any] | None
    exposure_errors: list[str]
    objects_total: int
    bytes_total: int
    objects_selected: int
    sampled: bool


class Store:
    """Typed reads and writes over the findings tables for one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        return cls(connect(url))

    # -- scans ---------------------------------------------------------------------------------
    def create_scan(
        self,
        scan_id: str,
        *,
        targets: list[str],
        endpoint: str | None,
        mode: str,
        options: dict[str, Any],
        version: str,
    ) -> None:
        with self.engine.begin() as c:
            c.execute(
                insert(scans).values(
                    id=scan_id,
                    started_at=_now(),
                    state="running",
                    targets=targets,
                    endpoint=endpoint,
                    mode=mode,
                    options=options,
                    phiscope_version=version,
                )
            )

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            row = c.execute(select(scans).where(scans.c.id == scan_id)).mappings().first()
        return dict(row) if row else None

    def latest_scan_id(self) -> str | None:
        with self.engine.connect() as c:
            return c.execute(select(scans.c.id).order_by(scans.c.started_at.desc()).limit(1)).scalar()

    def set_scan_state(self, scan_id: str, state: str) -> None:
        values: dict[str, Any] = {"state": state}
        if state in ("finished", "failed"):
            values["finished_at"] = _now()
        with self.engine.begin() as c:
            c.execute(update(scans).where(scans.c.id == scan_id).values(**values))

    # -- buckets -------------------------------------------------------------------------------
    def save_bucket(self, scan_id: str, b: BucketRow) -> None:
        """Insert or replace the bucket row (a resumed scan re-evaluates exposure)."""
        values = {
            "endpoint": b.endpoint,
            "region": b.region,
            "exposure": b.exposure,
            "exposure_errors": b.exposure_errors,
            "public": bool(b.exposure and b.exposure.get("public")),
            "objects_total": b.objects_total,
            "bytes_total": b.bytes_total,
            "objects_selected": b.objects_selected,
            "sampled": b.sampled,
        }
        with self.engine.begin() as c:
            done = c.execute(
                update(buckets).where(buckets.c.scan_id == scan_id, buckets.c.name == b.name).values(**values)
            ).rowcount
            if not done:
                c.execute(insert(buckets).values(scan_id=scan_id, name=b.name, **values))

    def bucket_rows(self, scan_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(select(buckets).where(buckets.c.scan_id == scan_id).order_by(buckets.c.id))
            return [dict(r) for r in rows.mappings()]

    # -- objects (the ledger) ------------------------------------------------------------------
    def finished_keys(self, scan_id: str) -> set[tuple[str, str]]:
        with self.engine.connect() as c:
            rows = c.execute(select(objects.c.bucket, objects.c.key).where(objects.c.scan_id == scan_id))
            return {(r[0], r[1]) for r in rows}

    def record_object(self, scan_id: str, r: ObjectResult) -> bool:
        """Store one finished object with its detections and person keys, atomically.

        Returns False (and changes nothing) when the object is already recorded for this scan, so a
        resumed scan can never duplicate findings.
        """
        f = r.findings
        with self.engine.begin() as c:
            exists = c.execute(
                select(objects.c.id).where(
                    objects.c.scan_id == scan_id,
                    objects.c.bucket == r.ref.bucket,
                    objects.c.key == r.ref.key,
                )
            ).first()
            if exists:
                return False
            obj_id = c.execute(
                insert(objects).values(
                    scan_id=scan_id,
                    bucket=r.ref.bucket,
                    key=r.ref.key,
                    size=r.ref.size,
                    etag=r.ref.etag,
                    storage_class=r.ref.storage_class,
                    content_type=r.content_type,
                    status=r.status.value,
                    reason=r.reason,
                    contains_phi=r.contains_phi,
                    health=f.health,
                    categories=sorted(f.categories),
                    organisations=sorted(f.organisations),
                    bytes_read=r.bytes_read,
                    seconds=round(r.seconds, 4),
                    finished_at=_now(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            if f.detections:
                c.execute(
                    insert(detections),
                    [
                        {
                            "object_id": obj_id,
                            "type": s.type,
                            "category": s.category,
                            "count": s.count,
                            "confidence": round(s.confidence, 4),
                            "locations": [loc.to_dict() for loc in s.locations],
                            "masked_examples": list(s.masked_examples),
                            "fingerprints": sorted(s.fingerprints)[:MAX_STORED_FINGERPRINTS],
                            "distinct_values": s.distinct,
                        }
                        for s in f.detections.values()
                    ],
                )
            # in batches: a file of a million people must not become five million dicts at once
            rows = (
                {"object_id": obj_id, "record": i, "key": k}
                for i, rec in enumerate(f.people)
                for k in sorted(rec)
            )
            while batch := list(islice(rows, KEY_BATCH)):
                c.execute(insert(person_keys), batch)
        return True

    def object_rows(self, scan_id: str) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(objects).where(objects.c.scan_id == scan_id).order_by(objects.c.bucket, objects.c.key)
            )
            for r in rows.mappings():
                yield dict(r)

    def detection_rows(self, scan_id: str) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(detections, objects.c.bucket, objects.c.key)
                .join(objects, detections.c.object_id == objects.c.id)
                .where(objects.c.scan_id == scan_id)
                .order_by(detections.c.object_id, detections.c.id)
            )
            for r in rows.mappings():
                yield dict(r)

    def person_records(self, scan_id: str) -> Iterator[tuple[str, frozenset[str]]]:
        """(bucket, keys of one record) for every person record of the scan."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(objects.c.bucket, person_keys.c.object_id, person_keys.c.record, person_keys.c.key)
                .join(objects, person_keys.c.object_id == objects.c.id)
                .where(objects.c.scan_id == scan_id)
                .order_by(person_keys.c.object_id, person_keys.c.record)
            )
            yield from _group_records(rows)


def _group_records(rows: Iterable[Any]) -> Iterator[tuple[str, frozenset[str]]]:
    current: tuple[int, int] | None = None
    bucket = ""
    keys: set[str] = set()
    for b, obj_id, rec, key in rows:
        if (obj_id, rec) != current:
            if current is not None:
                yield bucket, frozenset(keys)
            current, bucket, keys = (obj_id, rec), b, set()
        keys.add(key)
    if current is not None:
        yield bucket, frozenset(keys)
