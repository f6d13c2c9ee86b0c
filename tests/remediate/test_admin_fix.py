"""A configuration-write grant (Principal * allowed s3:PutBucketPolicy) is an exposure `fix` plans
and verifies closed, like a read grant (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from phiscope.cli import app

runner = CliRunner()


def test_fix_plans_and_verifies_the_admin_capability(s3: Any, tmp_path: Path) -> None:
    bucket = s3.new_bucket("admin")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AnyoneMayRewriteThePolicy",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:PutBucketPolicy", "s3:DeleteBucket"],
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        ],
    }
    s3.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    plan_path = tmp_path / "plan.json"
    r = runner.invoke(
        app, ["fix", "plan", f"s3://{bucket}", "--endpoint-url", s3.endpoint_url, "-o", str(plan_path)]
    )
    assert r.exit_code == 3, r.output  # exposure found, fix planned
    plan = json.loads(plan_path.read_text())
    (entry,) = plan["buckets"]
    assert "anonymous:admin" in entry["exposure"] and entry["status"] == "planned"
    assert {c["action"] for c in entry["changes"]} & {"put_bucket_policy", "delete_bucket_policy"}
    db = f"sqlite:///{tmp_path / 'r.db'}"
    r = runner.invoke(
        app,
        ["fix", "apply", str(plan_path), "--yes", "--backup-dir", str(tmp_path), "--db", db, "--no-probe"],
    )
    assert r.exit_code == 0, r.output
    assert f"VERIFY {bucket}: CLOSED" in r.output
