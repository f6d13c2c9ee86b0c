"""An exposure verdict quotes object keys (the ones whose ACLs it sampled, a probe's example key, an
error's key): a key that holds a value is stored masked there too, as in the objects rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.assess import Assessment, mask_keys, masked, named_keys
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.textsafe import mask_label

KEY = "exports/Ada Quinn 512-38-4471.csv"
ROWS = b"patient_name,ssn\nAda Quinn,512-38-4471\n"


def test_mask_keys_replaces_in_values_text_and_mapping_keys() -> None:
    doc = {
        "reasons": [f"anyone can read sampled keys: {KEY!r}"],
        "evidence": [{"kind": "acl_grant", "key": KEY}],
        "object_acls": {KEY: {"Grants": []}},
        "count": 1,
    }
    out = mask_keys(doc, {KEY: "MASKED"})
    assert "Ada" not in json.dumps(out) and out["count"] == 1
    assert out["reasons"] == ["anyone can read sampled keys: 'MASKED'"]
    assert out["evidence"][0]["key"] == "MASKED" and "MASKED" in out["object_acls"]
    assert mask_keys(doc, {}) is doc


def test_named_keys_finds_probe_and_error_keys() -> None:
    probe = {"probe": {"audiences": {"anonymous": {"list": {"example_key": "a/b.csv"}}}}}
    errors = [{"operation": "GetObjectAcl", "key": "c.csv"}, "plain text"]
    assert named_keys(probe) == {"a/b.csv"} and named_keys(errors) == {"c.csv"}
    a = masked(Assessment(probe, errors), {"c.csv": "C"})  # type: ignore[arg-type]
    assert a.errors[0] == {"operation": "GetObjectAcl", "key": "C"} and a.exposure == probe


@pytest.mark.parametrize("anonymous", [False, True])
def test_scan_stores_the_verdict_with_masked_keys(s3: S3Server, tmp_path: Path, anonymous: bool) -> None:
    pub = s3.new_bucket("quoted")
    s3.client.put_bucket_ownership_controls(
        Bucket=pub, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.client.put_bucket_acl(Bucket=pub, ACL="public-read")
    s3.client.put_object(Bucket=pub, Key=KEY, Body=ROWS, ACL="public-read")
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(
        targets=[f"s3://{pub}"],
        endpoint_url=s3.endpoint_url,
        anonymous=anonymous,
        live_probe=False,
        secret=b"a" * 32,
        workers=1,
    )
    Scanner(cfg, db).run()
    with db.engine.connect() as c:
        row = c.exec_driver_sql("select exposure, exposure_errors from buckets").one()
    text = json.dumps([row[0], row[1]])
    assert mask_label(KEY) in text  # the verdict (or probe) names the object, masked
    assert "Ada Quinn" not in text and "512-38-4471" not in text
