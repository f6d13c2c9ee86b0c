"""The CLI faces: `phiscope exposure snapshot|evaluate` and `phiscope probe`, end to end on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from phiscope.cli import app

runner = CliRunner()


def test_snapshot_then_evaluate(s3: Any, tmp_path: Path) -> None:
    b = s3.new_bucket("cli")
    acl = s3.client.get_bucket_acl(Bucket=b)
    everyone = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
    grants = [
        *acl["Grants"],
        {"Grantee": everyone, "Permission": "READ"},
        {"Grantee": everyone, "Permission": "WRITE"},
    ]
    s3.client.put_bucket_acl(Bucket=b, AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    out = tmp_path / "snap.json"
    r = runner.invoke(
        app,
        [
            "exposure",
            "snapshot",
            f"s3://{b}",
            "--endpoint-url",
            s3.endpoint_url,
            "--region",
            "us-east-1",
            "--account-id",
            s3.account_id,
            "--max-object-acls",
            "5",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    snap = json.loads(out.read_text())
    assert snap["bucket"] == b and "errors" in snap

    r = runner.invoke(app, ["exposure", "evaluate", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["public"] is True
    assert res["access"]["anonymous"]["list"] is True and res["access"]["anonymous"]["write"] is True

    r = runner.invoke(app, ["exposure", "evaluate", str(out), "--format", "text"])
    assert r.exit_code == 0 and "PUBLIC" in r.stdout and "WRITE to AllUsers" in r.stdout


def test_evaluate_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    r = runner.invoke(app, ["exposure", "evaluate", str(bad)])
    assert r.exit_code == 2 and "must be a JSON object" in r.output
    r = runner.invoke(app, ["exposure", "evaluate", str(tmp_path / "missing.json")])
    assert r.exit_code == 2 and "cannot evaluate" in r.output


def test_snapshot_missing_bucket(s3: Any) -> None:
    r = runner.invoke(
        app, ["exposure", "snapshot", "s3://phiscope-missing-x", "--endpoint-url", s3.endpoint_url]
    )
    assert r.exit_code == 2 and "does not exist" in r.output


def test_probe_json(s3: Any) -> None:
    b = s3.new_bucket("cprobe")
    s3.client.put_bucket_acl(Bucket=b, ACL="public-read")
    r = runner.invoke(
        app, ["probe", b, "phiscope-missing-y", "--endpoint-url", s3.endpoint_url, "--format", "json"]
    )
    assert r.exit_code == 3, r.output  # something is exposed
    res = json.loads(r.stdout)
    assert [x["bucket"] for x in res] == [b, "phiscope-missing-y"]
    assert res[0]["audiences"]["anonymous"]["list"]["outcome"] == "allowed"
    assert res[1]["exists"] is False
    r = runner.invoke(app, ["probe", b, "--endpoint-url", s3.endpoint_url])
    assert r.exit_code == 3 and "EXPOSED" in r.stdout
