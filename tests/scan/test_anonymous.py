"""Without credentials the scan takes the attacker's view: exposure comes from the live probe."""

from __future__ import annotations

from pathlib import Path

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.assess import exposure_from_probe
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

ROWS = b"patient_name,ssn\nAda Quinn,123-45-6789\n"


def test_anonymous_scan_reads_what_anyone_can(s3: S3Server, tmp_path: Path) -> None:
    pub = s3.new_bucket("open")
    s3.client.put_bucket_ownership_controls(
        Bucket=pub, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.client.put_bucket_acl(Bucket=pub, ACL="public-read")
    s3.client.put_object(Bucket=pub, Key="export.csv", Body=ROWS, ACL="public-read")
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(
        targets=[f"s3://{pub}"], endpoint_url=s3.endpoint_url, anonymous=True, secret=b"a" * 32, workers=1
    )
    report = build_report(db, Scanner(cfg, db).run())
    assert report["scan"]["mode"] == "anonymous"
    buckets = {b["name"]: b for b in report["buckets"]}
    assert buckets[pub]["exposure"]["access"]["anonymous"]["list"] is True
    assert buckets[pub]["exposure"]["public"] is True
    assert any("live probe" in u for u in buckets[pub]["exposure"]["uncertain"])
    assert buckets[pub]["contains_phi"] is True
    # (moto answers anonymous listings of private buckets too, so it cannot show the closed case;
    # the probe's classification of AccessDenied is tested in tests/exposure.)


def test_probe_mapping_merges_audiences() -> None:
    probe = {
        "audiences": {
            "anonymous": {"list": {"outcome": "allowed"}, "read": {"outcome": "AccessDenied"}},
            "any_aws_account": {"read": {"outcome": "allowed"}},
        }
    }
    e = exposure_from_probe("b", probe)
    assert e["access"]["anonymous"] == {
        "list": True,
        "read": False,
        "write": False,
        "read_acl": False,
        "write_acl": False,
    }
    assert e["access"]["any_aws_account"]["list"] and e["access"]["any_aws_account"]["read"]
    assert e["public"] is True
    assert any("write not tested" in u for u in e["uncertain"])
