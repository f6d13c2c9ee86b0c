"""The scan pipeline against a local folder and the real S3-protocol server."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report
from phiscope.storage import s3 as s3mod
from phiscope.storage.s3 import S3Store

SECRET = b"test-secret-" * 3
PHISCOPE = str(Path(sys.executable).with_name("phiscope"))

CSV_ROWS = (
    "patient_name,dob,ssn,diagnosis,icd10\n"
    "Ada Quinn,1972-03-04,123-45-6789,Type 2 diabetes mellitus,E11.9\n"
    "Bo Reyes,1980-11-02,234-56-7890,Essential hypertension,I10\n"
)


def scan(tmp_path: Path, cfg: ScanConfig) -> dict:
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg.secret = SECRET
    cfg.workers = cfg.workers or 1
    scan_id = Scanner(cfg, db).run()
    return build_report(db, scan_id)


def by_key(report: dict) -> dict[str, dict]:
    return {o["key"]: o for o in report["objects"]}


def test_local_folder_every_object_gets_a_status(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "clinic" / "exports").mkdir(parents=True)
    (root / "clinic" / "exports" / "patients.csv").write_text(CSV_ROWS)
    (root / "clinic" / "notes.txt").write_text("weekly staff meeting moved to Tuesday\n")
    (root / "clinic" / "blob.bin").write_bytes(bytes(range(256)) * 40)
    (root / "empty-bucket").mkdir()
    report = scan(tmp_path, ScanConfig(targets=[str(root)]))
    objs = by_key(report)
    assert set(objs) == {"exports/patients.csv", "notes.txt", "blob.bin"}
    assert all(o["status"] in ("complete", "partial", "skipped") for o in objs.values())
    assert objs["exports/patients.csv"]["contains_phi"] is True
    assert objs["notes.txt"]["contains_phi"] is False
    assert objs["blob.bin"]["status"] == "skipped" and objs["blob.bin"]["reason"]
    ssn = next(d for d in objs["exports/patients.csv"]["detections"] if d["type"] == "US_SSN")
    assert ssn["count"] == 2
    assert report["impact"]["people_affected"] == 2
    assert {b["name"] for b in report["buckets"]} == {"clinic", "empty-bucket"}
    assert report["scan"]["status_counts"]["skipped"] >= 1


def test_a_folder_of_files_is_one_bucket_named_after_it(tmp_path: Path) -> None:
    root = tmp_path / "export-2018"
    (root / "calls").mkdir(parents=True)
    (root / "patients.csv").write_text(CSV_ROWS)
    (root / "calls" / "notes.txt").write_text("weekly staff meeting moved to Tuesday\n")
    report = scan(tmp_path, ScanConfig(targets=[str(root)]))
    assert {b["name"] for b in report["buckets"]} == {"export-2018"}
    assert set(by_key(report)) == {"patients.csv", "calls/notes.txt"}
    assert by_key(report)["patients.csv"]["contains_phi"] is True


def test_s3_scan_puts_exposed_buckets_first_and_reads_their_verdict(s3: S3Server, tmp_path: Path) -> None:
    pub = s3.new_bucket("pub")
    priv = s3.new_bucket("priv")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Open",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{pub}/*",
            }
        ],
    }
    s3.client.put_bucket_policy(Bucket=pub, Policy=json.dumps(policy))
    for b in (pub, priv):
        s3.client.put_object(Bucket=b, Key="exports/patients.csv", Body=CSV_ROWS.encode())
    cfg = ScanConfig(
        targets=[f"s3://{priv}", f"s3://{pub}"],
        endpoint_url=s3.endpoint_url,
        anonymous=False,
        live_probe=False,
    )
    report = scan(tmp_path, cfg)
    names = [b["name"] for b in report["buckets"]]
    assert names[0] == pub  # exposed + PHI sorts first
    first = report["buckets"][0]
    assert first["exposure"]["public"] is True
    assert first["exposure"]["access"]["anonymous"]["read"] is True
    assert first["severity"] == "critical"
    second = report["buckets"][1]
    assert second["exposure"]["public"] is False
    assert report["impact"]["people_affected"] == 2  # the same two people in both buckets
    assert report["impact"]["people_exposed"] == 2
    assert any(o["id"].startswith("HIPAA") for o in report["impact"]["obligations"])


def test_archived_objects_are_reported_not_restored(s3: S3Server, tmp_path: Path) -> None:
    b = s3.new_bucket()
    s3.client.put_object(Bucket=b, Key="old/2019.csv", Body=CSV_ROWS.encode(), StorageClass="DEEP_ARCHIVE")
    s3.client.put_object(Bucket=b, Key="new.csv", Body=CSV_ROWS.encode())
    report = scan(
        tmp_path,
        ScanConfig(targets=[f"s3://{b}"], endpoint_url=s3.endpoint_url, anonymous=False, live_probe=False),
    )
    objs = by_key(report)
    assert objs["old/2019.csv"]["status"] == "skipped"
    assert objs["old/2019.csv"]["reason"].startswith("archived (DEEP_ARCHIVE)")
    assert objs["new.csv"]["status"] == "complete"
    assert report["scan"]["coverage"]["archived_not_restored"] == 1


def test_ranged_gets_read_large_objects_in_pieces(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    b = s3.new_bucket()
    body = bytes(range(256)) * 4096  # 1 MiB
    s3.client.put_object(Bucket=b, Key="big", Body=body)
    monkeypatch.setattr(s3mod, "RANGE_CHUNK", 100_000)
    store = S3Store(endpoint_url=s3.endpoint_url, client=s3.client)
    ref = next(store.list_objects(b))
    full = store.fetch(ref, max_bytes=10**9)
    assert full.stream.read() == body and not full.truncated
    part = store.fetch(ref, max_bytes=250_000)
    assert part.stream.read() == body[:250_000] and part.truncated and part.bytes_read == 250_000


def test_missing_bucket_is_an_error_in_the_report_not_a_crash(s3: S3Server, tmp_path: Path) -> None:
    ok = s3.new_bucket()
    s3.client.put_object(Bucket=ok, Key="a.csv", Body=CSV_ROWS.encode())
    cfg = ScanConfig(
        targets=["s3://no-such-bucket-phiscope", f"s3://{ok}"],
        endpoint_url=s3.endpoint_url,
        anonymous=False,
        live_probe=False,
    )
    report = scan(tmp_path, cfg)
    missing = next(b for b in report["buckets"] if b["name"] == "no-such-bucket-phiscope")
    assert any("NoSuchBucket" in e for e in missing["exposure_errors"])
    assert by_key(report)["a.csv"]["contains_phi"] is True


def test_sampling_is_reported_as_coverage(tmp_path: Path) -> None:
    root = tmp_path / "d" / "bkt"
    root.mkdir(parents=True)
    for i in range(40):
        (root / f"f{i:02}.txt").write_text("hello\n")
    report = scan(tmp_path, ScanConfig(targets=[str(tmp_path / "d")], sample="25%"))
    cov = report["scan"]["coverage"]
    assert cov["objects_listed"] == 40 and cov["objects_scanned"] == 10 and cov["sampled"] is True


def test_inventory_manifest_replaces_listing(s3: S3Server, tmp_path: Path) -> None:
    src = s3.new_bucket("src")
    dest = s3.new_bucket("inv")
    s3.client.put_object(Bucket=src, Key="listed/x.csv", Body=CSV_ROWS.encode())
    s3.client.put_object(Bucket=src, Key="not in inventory.csv", Body=CSV_ROWS.encode())
    buf = io.StringIO()
    csv.writer(buf).writerow(
        [src, "listed/x.csv", str(len(CSV_ROWS)), "2026-11-01T00:00:00.000Z", "e", "STANDARD"]
    )
    s3.client.put_object(
        Bucket=dest, Key="inv/data/part-0.csv.gz", Body=gzip.compress(buf.getvalue().encode())
    )
    manifest = {
        "sourceBucket": src,
        "destinationBucket": f"arn:aws:s3:::{dest}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass",
        "files": [{"key": "inv/data/part-0.csv.gz"}],
    }
    s3.client.put_object(Bucket=dest, Key="inv/manifest.json", Body=json.dumps(manifest).encode())
    cfg = ScanConfig(
        targets=[f"s3://{src}"],
        endpoint_url=s3.endpoint_url,
        anonymous=False,
        live_probe=False,
        inventory=f"s3://{dest}/inv/manifest.json",
    )
    report = scan(tmp_path, cfg)
    assert set(by_key(report)) == {"listed/x.csv"}


def test_dead_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    from phiscope.storage.embedded import free_port

    url = f"http://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            "s3://anything",
            "--endpoint-url",
            url,
            "--db",
            f"sqlite:///{tmp_path}/f.db",
            "-o",
            str(tmp_path / "out"),
            "--format",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **__import__("os").environ,
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "y",
            "PHISCOPE_SECRET_FILE": str(tmp_path / "k"),
        },
    )
    assert "Traceback" not in proc.stderr
    # never a silent all-clear: exit 1 and one line naming the target, the cause and a hint
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "could not verify s3://anything" in lines[0] and "unreachable" in lines[0]
