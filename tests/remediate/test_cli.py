"""`phiscope fix plan|apply|rollback` end to end through the real CLI and the S3-protocol server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.remediate.apply import read_bucket_config

runner = CliRunner()


def _stored_scan(db: str, s3: Any, bucket: str) -> str:
    """A finished scan in the findings DB that saw `bucket` exposed (as `phiscope scan` would store it)."""
    from phiscope.db.store import BucketRow, Store
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import collect_snapshot

    evaluation = evaluate_snapshot(collect_snapshot(s3.client, bucket))
    store = Store.open(db)
    store.create_scan(
        "scan-cli",
        targets=[f"s3://{bucket}"],
        endpoint=s3.endpoint_url,
        mode="owner",
        options={},
        version="0.1.0",
    )
    row = BucketRow(
        name=bucket,
        endpoint=s3.endpoint_url,
        region=None,
        exposure=evaluation,
        exposure_errors=[],
        objects_total=1,
        bytes_total=1,
        objects_selected=1,
        sampled=False,
    )
    store.save_bucket("scan-cli", row)
    store.set_scan_state("scan-cli", "finished")
    return "scan-cli"


def test_plan_apply_rollback_cli(s3: Any, tmp_path: Path) -> None:
    bucket = s3.new_bucket("cli")
    c = s3.client
    c.put_object(Bucket=bucket, Key="a.csv", Body=b"x", ACL="public-read")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoDeletes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
            {
                "Sid": "Pub",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }
    c.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    before = read_bucket_config(c, bucket, ["a.csv"])
    plan_path = tmp_path / "plan.json"
    db = f"sqlite:///{tmp_path / 'r.db'}"

    scan_id = _stored_scan(db, s3, bucket)
    r = runner.invoke(app, ["fix", "plan", "--scan", scan_id, "--db", db, "-o", str(plan_path)])
    assert r.exit_code == 3, r.output  # exposure found, fix planned
    plan = json.loads(plan_path.read_text())
    assert plan["scan_id"] == scan_id and [b["bucket"] for b in plan["buckets"]] == [bucket]
    assert plan["account_id"] == s3.account_id  # from STS on the same endpoint
    assert {ch["action"] for ch in plan["buckets"][0]["changes"]} >= {"put_object_acl", "put_bucket_policy"}

    r = runner.invoke(app, ["fix", "apply", str(plan_path)])
    assert r.exit_code == 0 and "dry run" in r.output, r.output
    assert read_bucket_config(c, bucket, ["a.csv"]) == before

    backups = tmp_path / "bk"
    r = runner.invoke(
        app, ["fix", "apply", str(plan_path), "--yes", "--backup-dir", str(backups), "--db", db]
    )
    assert r.exit_code == 0, r.output
    assert f"VERIFY {bucket}: CLOSED" in r.output
    (backup,) = backups.glob("phiscope-backup-*.json")
    after = read_bucket_config(c, bucket, ["a.csv"])
    assert after["policy"]["Statement"] == policy["Statement"][:1]

    r = runner.invoke(app, ["incident", scan_id, "--db", db])
    assert r.exit_code == 0, r.output
    assert "Fix applied: put_bucket_policy" in r.output and f"s3://{bucket} CLOSED" in r.output

    r = runner.invoke(app, ["fix", "rollback", str(backup)])
    assert r.exit_code == 0 and "WOULD restore bucket policy" in r.output
    assert read_bucket_config(c, bucket, ["a.csv"]) == after  # dry run

    r = runner.invoke(app, ["fix", "rollback", str(backup), "--yes", "--db", db])
    assert r.exit_code == 0, r.output
    assert read_bucket_config(c, bucket, ["a.csv"]) == before


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    r = runner.invoke(app, ["fix", "apply", str(bad)])
    assert r.exit_code == 2 and "cannot read plan" in r.output
    bad.write_text(json.dumps({"schema": "nope"}))
    r = runner.invoke(app, ["fix", "apply", str(bad)])
    assert r.exit_code == 2 and "not a remediation plan" in r.output
    r = runner.invoke(app, ["fix", "rollback", str(bad)])
    assert r.exit_code == 2 and "not a PHIscope backup" in r.output
    r = runner.invoke(app, ["fix", "plan"])
    assert r.exit_code == 2 and "no bucket" in r.output


def test_plan_reports_a_missing_bucket_without_crashing(s3: Any, tmp_path: Path) -> None:
    ok = s3.new_bucket("ok")
    out = tmp_path / "p.json"
    r = runner.invoke(
        app,
        [
            "fix",
            "plan",
            f"s3://{ok}",
            "s3://no-such-bucket-9f8e7d",
            "--endpoint-url",
            s3.endpoint_url,
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 1, r.output
    status = {b["bucket"]: b["status"] for b in json.loads(out.read_text())["buckets"]}
    assert status == {ok: "not_exposed", "no-such-bucket-9f8e7d": "error"}
