"""The findings database: migrations, atomic per-object writes, no duplicates — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import TempPostgres, pg_bin
from sqlalchemy import inspect

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
