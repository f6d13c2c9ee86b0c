"""S3 Inventory reports (CSV, ORC, Parquet) as the listing source."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.model import ObjectRef
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report
from phiscope.storage.inventory import InventoryError, read_inventory, write_inventory

pytest.importorskip("pyarrow")

FORMATS = ["CSV", "ORC", "PARQUET"]
WHEN = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)


def _refs(bucket: str = "src") -> list[ObjectRef]:
    keys = ["a.csv", "exports/2026/p q+r.csv", "exports/é/ü.txt", "logs/x.log", "forms/f.pdf"]
    return [
        ObjectRef(bucket, k, 100 + i, f"etag{i}", WHEN, "GLACIER" if k.endswith("pdf") else "STANDARD")
        for i, k in enumerate(keys)
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_what_was_inventoried(tmp_path: Path, fmt: str) -> None:
    refs = _refs()
    manifest = write_inventory(tmp_path, refs, fmt=fmt, files=2)
    got = list(read_inventory(None, str(manifest), bucket="src"))
    assert got == refs  # keys with spaces, '+' and non-ASCII survive CSV's URL encoding too
    only = list(read_inventory(None, str(manifest), bucket="src", prefix="exports/"))
    assert [r.key for r in only] == ["exports/2026/p q+r.csv", "exports/é/ü.txt"]
    assert list(read_inventory(None, str(manifest), bucket="other")) == []


def test_old_versions_and_delete_markers_are_not_listed(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest = write_inventory(tmp_path, _refs()[:1], fmt="PARQUET")
    table = pa.table(
        {
            "bucket": ["src"] * 3,
            "key": ["live.csv", "old.csv", "gone.csv"],
            "size": [1, 2, 3],
            "is_latest": [True, False, True],
            "is_delete_marker": [False, False, True],
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    (tmp_path / "data" / "part-00000.parquet").write_bytes(sink.getvalue())
    doc = json.loads(manifest.read_text())
    doc["files"][0].pop("MD5checksum")
    manifest.write_text(json.dumps(doc))
    assert [r.key for r in read_inventory(None, str(manifest), bucket="src")] == ["live.csv"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_data_file_is_an_error_not_a_shorter_listing(tmp_path: Path, fmt: str) -> None:
    manifest = write_inventory(tmp_path, _refs(), fmt=fmt)
    part = next((tmp_path / "data").iterdir())
    part.write_bytes(part.read_bytes()[:-10])
    with pytest.raises(InventoryError, match="MD5"):
        list(read_inventory(None, str(manifest), bucket="src"))
    doc = json.loads(manifest.read_text())
    doc["files"][0].pop("MD5checksum")
    manifest.write_text(json.dumps(doc))
    if fmt != "CSV":  # without a checksum, the columnar reader still refuses a truncated file
        with pytest.raises(InventoryError):
            list(read_inventory(None, str(manifest), bucket="src"))


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    manifest = write_inventory(tmp_path, _refs(), fmt="CSV")
    doc = json.loads(manifest.read_text()) | {"fileFormat": "Avro"}
    manifest.write_text(json.dumps(doc))
    with pytest.raises(InventoryError, match=r"Avro|AVRO"):
        list(read_inventory(None, str(manifest), bucket="src"))


@pytest.mark.parametrize("fmt", ["ORC", "PARQUET"])
def test_scan_lists_from_a_columnar_inventory_in_the_destination_bucket(
    s3: S3Server, tmp_path: Path, fmt: str
) -> None:
    src, dest = s3.new_bucket("src"), s3.new_bucket("inv")
    body = b"patient_name,dob,ssn\nAda Quinn,1972-03-04,123-45-6789\n"
    s3.client.put_object(Bucket=src, Key="listed/x.csv", Body=body)
    s3.client.put_object(Bucket=src, Key="not-in-inventory.csv", Body=body)
    folder = tmp_path / "inv"
    write_inventory(
        folder, [ObjectRef(src, "listed/x.csv", len(body))], fmt=fmt, dest_bucket=dest, key_prefix="src/cfg/"
    )
    for p in folder.rglob("*"):
        if p.is_file():
            s3.client.put_object(Bucket=dest, Key=f"src/cfg/{p.relative_to(folder)}", Body=p.read_bytes())
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(
        targets=[f"s3://{src}"],
        endpoint_url=s3.endpoint_url,
        anonymous=False,
        inventory=f"s3://{dest}/src/cfg/manifest.json",
        secret=b"k" * 32,
        workers=1,
    )
    report = build_report(db, Scanner(cfg, db).run())
    assert [o["key"] for o in report["objects"]] == ["listed/x.csv"]
    assert report["objects"][0]["contains_phi"] is True
