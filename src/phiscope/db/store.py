"""The findings database: connect (and migrate), write scan results, read them back.

SQLite file in the user's data dir by default, PostgreSQL (or anything SQLAlchemy speaks) by URL.
The scan writes each finished object in one transaction, so the table of objects is also the resume
ledger: after a crash or kill -9 the rows present are exactly the objects that need no re-scan.
"""

from __future__ import annotations

import heapq
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, create_engine, event, insert, select, update

from phiscope.db.schema import buckets, detections, objects, person_keys, person_records, scans
from phiscope.model import ObjectResult

MIGRATIONS = Path(__file__).with_name("migrations")
# Fingerprints kept per (object, type): the smallest 1,024, a k-minimum-values sketch (the smallest k
# of the larger sample DetectionSummary keeps, model.py), so a million-row export does not store a
# million hashes in one row. Merged across objects they still estimate distinct values, within ~3 %
# (1/sqrt(k)). The exact per-object count is `distinct_values`. At 10,000 a 40 MB export wrote 19 MB
# of JSON that nothing reads back: most of the database writer's time.
MAX_STORED_FINGERPRINTS = 1024
KEY_BATCH = 20_000  # person-record rows per INSERT


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
    _ENGINES.add(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _remembered(
    proc: Callable[[Any], Any], most: int = 4096, *, copy_lists: bool = False
) -> Callable[[Any], Any]:
    """A column's bind or result processor that remembers what it gave for the values rows repeat
    (the batch's one timestamp, `[]`, `["identity"]`): JSON-encoding the same short list for every
    one of 20,000 tiny objects cost more than inserting them. Lists are remembered as
    tuples of their items; a value that cannot be a key is processed every time. `copy_lists`: a
    list it gives is a copy (for results, which callers may change)."""
    memo: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        key = (list, *value) if type(value) is list else (type(value), value)
        try:
            out = memo[key]
        except KeyError:
            out = proc(value)
            if len(memo) < most:
                memo[key] = out
        except TypeError:
            return proc(value)
        return [*out] if copy_lists and type(out) is list else out

    return run


def close_all() -> None:
    """Close every database this process opened (SQLite folds its write-ahead log back into the
    file as its last connection closes): for a process about to leave without interpreter teardown
    (cli.main)."""
    for engine in list(_ENGINES):
        engine.dispose()


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
    provider: str | None = None  # s3 (None in older scans) | azure | gcs


class Store:
    """Typed reads and writes over the findings tables for one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._objects_sql: tuple[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]] | None = None

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
            "provider": b.provider,
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
        return self.record_objects(scan_id, [r]) == 1

    def record_objects(self, scan_id: str, results: list[ObjectResult]) -> int:
        """Store a batch of finished objects in ONE transaction; returns how many were new.

        A batch is all-or-nothing, so the objects table stays the resume ledger: after a crash the
        rows present are exactly the objects finished. One transaction and executemany per table
        instead of three statements and a commit per object (the per-object cost of a bucket of
        tiny files was the database, not the detection).
        """
        if not results:
            return 0
        with self.engine.begin() as c:
            keys = {r.ref.key for r in results}
            existing: set[tuple[str, str]] = set()
            for chunk in _chunks(sorted(keys), 500):
                rows = c.execute(
                    select(objects.c.bucket, objects.c.key).where(
                        objects.c.scan_id == scan_id, objects.c.key.in_(chunk)
                    )
                )
                existing.update((b, k) for b, k in rows)
            fresh: list[ObjectResult] = []
            for r in results:
                if (r.ref.bucket, r.ref.key) not in existing:
                    existing.add((r.ref.bucket, r.ref.key))  # the same object twice in one batch
                    fresh.append(r)
            if not fresh:
                return 0
            now = _now()
            sql, row_of = self._objects_insert()
            c.exec_driver_sql(
                sql,
                [
                    row_of(
                        (
                            scan_id,
                            r.ref.bucket,
                            r.ref.key,
                            r.ref.size,
                            r.ref.etag,
                            r.ref.storage_class,
                            r.content_type,
                            r.status.value,
                            r.reason,
                            r.contains_phi,
                            r.findings.health,
                            sorted(r.findings.categories),
                            sorted(r.findings.organisations),
                            r.bytes_read,
                            round(r.seconds, 4),
                            now,
                        )
                    )
                    for r in fresh
                ],
            )
            # ids only for the objects that have rows hanging off them (most tiny objects have none)
            linked = [r for r in fresh if r.findings.detections or r.findings.people]
            id_of: dict[tuple[str, str], int] = {}
            for chunk in _chunks(sorted({r.ref.key for r in linked}), 500):
                found = c.execute(
                    select(objects.c.id, objects.c.bucket, objects.c.key).where(
                        objects.c.scan_id == scan_id, objects.c.key.in_(chunk)
                    )
                )
                id_of.update(((b, k), i) for i, b, k in found)
            ids = [id_of[(r.ref.bucket, r.ref.key)] for r in linked]
            dets = [
                {
                    "object_id": obj_id,
                    "type": s.type,
                    "category": s.category,
                    "count": s.count,
                    "confidence": round(s.confidence, 4),
                    "locations": [loc.to_dict() for loc in s.locations],
                    "masked_examples": list(s.masked_examples),
                    "fingerprints": _smallest(s.fingerprints, MAX_STORED_FINGERPRINTS),
                    "distinct_values": s.distinct,
                }
                for obj_id, r in zip(ids, linked, strict=True)
                for s in r.findings.detections.values()
            ]
            if dets:
                c.execute(insert(detections), dets)
            # In batches: a file of a million people must not become a million dicts at once. Plain
            # (int, int, str) tuples straight to the driver's executemany, one row per record.
            recrows = (
                (obj_id, i, " ".join(rec))
                for obj_id, r in zip(ids, linked, strict=True)
                for i, rec in enumerate(r.findings.people)
            )
            sql = _insert_records_sql(self.engine.dialect.paramstyle)
            while batch := list(islice(recrows, KEY_BATCH)):
                c.exec_driver_sql(sql, batch)
        return len(fresh)

    def _objects_insert(self) -> tuple[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
        """The objects INSERT as driver SQL and a row converter applying the dialect's own bind
        processors (JSON, dates, booleans): the Core insert compiled and processed every row
        through the ORM-level machinery, the largest per-object cost on a bucket of tiny files."""
        if self._objects_sql is None:
            dialect = self.engine.dialect
            procs = [
                (i, _remembered(proc) if isinstance(objects.c[col].type, JSON | DateTime) else proc)
                for i, col in enumerate(_OBJECT_COLUMNS)
                if (proc := objects.c[col].type.dialect_impl(dialect).bind_processor(dialect)) is not None
            ]

            def row_of(values: tuple[Any, ...]) -> tuple[Any, ...]:
                out = list(values)
                for i, proc in procs:
                    if out[i] is not None:
                        out[i] = proc(out[i])
                return tuple(out)

            self._objects_sql = (_insert_sql(objects.name, _OBJECT_COLUMNS, dialect.paramstyle), row_of)
        return self._objects_sql

    def object_rows(self, scan_id: str) -> Iterator[dict[str, Any]]:
        """Every object row of the scan, by bucket and key, as a dict. Driver SQL and the dialect's
        own result processors, remembered for the values rows repeat (`[]`, the batch's timestamp):
        SQLAlchemy's row mappings and a JSON decode per column were most of a report's build time
        on a bucket of tiny files."""
        dialect = self.engine.dialect
        names = [col.name for col in objects.columns]
        mark = {"qmark": "?", "numeric": ":1"}.get(dialect.paramstyle, "%s")
        sql = f"SELECT {', '.join(names)} FROM {objects.name} WHERE scan_id = {mark} ORDER BY bucket, key"
        with self.engine.connect() as c:
            result = c.exec_driver_sql(sql, (scan_id,))
            types = [d[1] for d in result.cursor.description]  # the driver's type codes
            readers = [
                (i, _remembered(proc, copy_lists=True))
                for i, col in enumerate(objects.columns)
                if (proc := col.type.dialect_impl(dialect).result_processor(dialect, types[i])) is not None
            ]
            for raw in result:
                row = list(raw)
                for i, read in readers:
                    if row[i] is not None:
                        row[i] = read(row[i])
                yield dict(zip(names, row, strict=True))

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
            for bucket, _, keys in person_record_rows(c, scan_id):
                yield bucket, keys


def person_record_rows(c: Any, scan_id: str) -> Iterator[tuple[str, str, frozenset[str]]]:
    """(bucket, object key, keys of one record) for every person record of a scan, object by object:
    `person_records` rows, then those of scans written before schema 0010 (`person_keys`, a row per
    key)."""
    rows = c.execute(
        select(objects.c.bucket, objects.c.key, person_records.c.key_set)
        .join(objects, person_records.c.object_id == objects.c.id)
        .where(objects.c.scan_id == scan_id)
        .order_by(person_records.c.object_id, person_records.c.record)
    )
    for bucket, key, keys in rows:
        yield bucket, key, frozenset(keys.split(" "))
    rows = c.execute(
        select(
            objects.c.bucket, objects.c.key, person_keys.c.object_id, person_keys.c.record, person_keys.c.key
        )
        .join(objects, person_keys.c.object_id == objects.c.id)
        .where(objects.c.scan_id == scan_id)
        .order_by(person_keys.c.object_id, person_keys.c.record)
    )
    yield from _group_records(rows)


_OBJECT_COLUMNS = (
    "scan_id",
    "bucket",
    "key",
    "size",
    "etag",
    "storage_class",
    "content_type",
    "status",
    "reason",
    "contains_phi",
    "health",
    "categories",
    "organisations",
    "bytes_read",
    "seconds",
    "finished_at",
)


def _insert_sql(table: str, columns: Sequence[str], paramstyle: str) -> str:
    """INSERT for the driver's executemany, in its parameter style (positional)."""
    n = len(columns)
    if paramstyle == "qmark":
        marks = ", ".join(["?"] * n)
    elif paramstyle == "numeric":
        marks = ", ".join(f":{i + 1}" for i in range(n))
    else:
        marks = ", ".join(["%s"] * n)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def _insert_records_sql(paramstyle: str) -> str:
    return _insert_sql(person_records.name, ("object_id", "record", "key_set"), paramstyle)


def _smallest(values: Iterable[str], k: int) -> list[str]:
    """The k smallest, sorted: a sort is faster than a heap unless there are many more than k."""
    vals = values if isinstance(values, (set, frozenset, list)) else list(values)
    return sorted(vals)[:k] if len(vals) <= 8 * k else heapq.nsmallest(k, vals)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _group_records(rows: Iterable[Any]) -> Iterator[tuple[str, str, frozenset[str]]]:
    current: tuple[int, int] | None = None
    bucket = obj_key = ""
    keys: set[str] = set()
    for b, k, obj_id, rec, key in rows:
        if (obj_id, rec) != current:
            if current is not None:
                yield bucket, obj_key, frozenset(keys)
            current, bucket, obj_key, keys = (obj_id, rec), b, k, set()
        keys.add(key)
    if current is not None:
        yield bucket, obj_key, frozenset(keys)
