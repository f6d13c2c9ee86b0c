"""The findings database: migrations, atomic per-object writes, no duplicates — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import TempPostgres, pg_bin
from sqlalchemy import inspect, select

from phiscope.db.store import BucketRow, Store
from phiscope.model import (
    ContentFindings,
    Detection,
    DetectionSummary,
    Location,
    ObjectRef,
    ObjectResult,
    Status,
)
from phiscope.scan.report import build_report


@pytest.fixture(scope="module")
def postgres() -> Iterator[TempPostgres]:
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    pg = TempPostgres().start()
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    pg: TempPostgres = request.getfixturevalue("postgres")
    s = Store.open(pg.url)
    return s


def _result(key: str, ssn_fp: str) -> ObjectResult:
    s = DetectionSummary("US_SSN", "identity")
    s.add(Detection("US_SSN", 0.95, Location(row=1, column="ssn"), "***-**-6789", ssn_fp))
    f = ContentFindings(detections={"US_SSN": s}, people=[frozenset({f"US_SSN:{ssn_fp}"})], health=True)
    return ObjectResult(ObjectRef("b", key, 10), Status.COMPLETE, findings=f, content_type="text/csv")


def test_migrations_create_every_table(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert {"scans", "buckets", "objects", "detections", "person_keys", "alembic_version"} <= names
    assert {
        "remediation_plans",
        "remediation_backups",
        "remediation_changes",
        "remediation_verifications",
    } <= names


def test_object_writes_are_idempotent_and_feed_the_report(
    store: Store, request: pytest.FixtureRequest
) -> None:
    scan_id = f"t-{request.node.callspec.id}-{id(store)}"
    store.create_scan(scan_id, targets=["s3://b"], endpoint=None, mode="owner", options={}, version="t")
    store.save_bucket(scan_id, BucketRow("b", None, "us-east-1", None, [], 3, 30, 3, False))
    assert store.record_object(scan_id, _result("a.csv", "fp1")) is True
    assert store.record_object(scan_id, _result("a.csv", "fp1")) is False  # resume can't duplicate
    assert store.record_object(scan_id, _result("b.csv", "fp1")) is True  # same person elsewhere
    assert store.record_object(scan_id, _result("c.csv", "fp2")) is True
    store.set_scan_state(scan_id, "finished")
    assert store.finished_keys(scan_id) == {("b", "a.csv"), ("b", "b.csv"), ("b", "c.csv")}
    report = build_report(store, scan_id)
    assert report["impact"]["people_affected"] == 2
    assert report["buckets"][0]["detections_by_type"] == {"US_SSN": 3}
    assert report["objects"][0]["detections"][0]["masked_examples"] == ["***-**-6789"]
    assert report["objects"][0]["detections"][0]["distinct"] == 1
    assert report["scan"]["state"] == "finished"


def test_person_records_of_scans_written_before_0010_are_still_read(store: Store) -> None:
    """Scans written with one person_keys row per key (before schema 0010) still count people."""
    from sqlalchemy import insert

    from phiscope.db.schema import objects, person_keys, person_records

    store.create_scan("old", targets=["x"], endpoint=None, mode="local", options={}, version="0")
    store.record_objects("old", [ObjectResult(ObjectRef("b", "k.csv", 1), Status.COMPLETE)])
    with store.engine.begin() as c:
        oid = c.execute(select(objects.c.id).where(objects.c.scan_id == "old")).scalar_one()
        c.execute(
            insert(person_keys),
            [
                {"object_id": oid, "record": 0, "key": "US_SSN:a"},
                {"object_id": oid, "record": 0, "key": "NAME_DOB:x"},
                {"object_id": oid, "record": 1, "key": "US_SSN:b"},
            ],
        )
        c.execute(insert(person_records), [{"object_id": oid, "record": 9, "key_set": "MRN:m US_SSN:b"}])
    got = sorted(store.person_records("old"), key=lambda r: sorted(r[1]))
    assert got == [
        ("b", frozenset({"MRN:m", "US_SSN:b"})),
        ("b", frozenset({"NAME_DOB:x", "US_SSN:a"})),
        ("b", frozenset({"US_SSN:b"})),
    ]


def test_object_rows_read_what_sqlalchemy_reads_and_repeated_values_are_not_shared(
    store: Store, request: pytest.FixtureRequest
) -> None:
    """object_rows reads through driver SQL with remembered result processors (issue 23): the rows
    must be what SQLAlchemy's own select gives, on both databases, and a list two rows share in
    the database must be two lists in Python (a caller changing one must not change the other)."""
    from phiscope.db.store import objects

    scan_id = f"rows-{request.node.callspec.id}-{id(store)}"
    store.create_scan(scan_id, targets=["s3://b"], endpoint=None, mode="owner", options={}, version="t")
    results = []
    for i in range(40):
        dets = {}
        if i % 2:
            d = DetectionSummary("US_SSN", "identity")
            d.add(Detection("US_SSN", 0.95, Location(row=1), "***-**-6789", f"fp{i}"))
            dets = {"US_SSN": d}
        f = ContentFindings(detections=dets, health=i % 3 == 0)
        f.organisations.update({f"org {i % 4}"} if i % 5 == 0 else set())
        results.append(
            ObjectResult(
                ObjectRef("b", f"k/{i:03d}.txt", i),
                Status.COMPLETE if i % 7 else Status.SKIPPED,
                reason=None if i % 7 else "too large",
                content_type="text/plain",
                findings=f,
                seconds=i / 1000,
            )
        )
    assert store.record_objects(scan_id, results) == 40
    with store.engine.connect() as c:
        rows = c.execute(
            select(objects).where(objects.c.scan_id == scan_id).order_by(objects.c.bucket, objects.c.key)
        )
        reference = [dict(r) for r in rows.mappings()]
    mine = list(store.object_rows(scan_id))
    assert mine == reference
    assert mine[1]["categories"] == mine[3]["categories"] == ["identity"]
    assert mine[1]["categories"] is not mine[3]["categories"]
    assert {type(r["finished_at"]).__name__ for r in mine} == {"datetime"}
