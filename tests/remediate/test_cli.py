"""`phiscope fix plan|apply|rollback` end to end through the real CLI and the S3-protocol server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.remediate.apply import read_bucket_config

runner = CliRunner()


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

    r = runner.invoke(
        app, ["fix", "plan", f"s3://{bucket}", "--endpoint-url", s3.endpoint_url, "-o", str(plan_path)]
    )
    assert r.exit_code == 0, r.output
    plan = json.loads(plan_path.read_text())
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
