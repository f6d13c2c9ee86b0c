"""Tampered plans and backups are refused with exit 1 and nothing changes on the endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import S3Server
from phiscope.cli import app
from phiscope.remediate.apply import read_bucket_config
from phiscope.remediate.signing import sign

runner = CliRunner()
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    key = b"k" * 32
    (tmp_path / "secret").write_bytes(key)
    monkeypatch.setenv("PHISCOPE_SECRET_FILE", str(tmp_path / "secret"))
    return key


def _public_bucket(s3: S3Server) -> str:
    b = s3.new_bucket("tamper")
    s3.client.put_object(Bucket=b, Key="a.csv", Body=b"x")
    s3.client.put_bucket_acl(Bucket=b, ACL="public-read")
    return b


def _state(s3: S3Server, *buckets: str) -> str:
    return json.dumps(
        [read_bucket_config(s3.client, b, ["a.csv"]) for b in buckets], sort_keys=True, default=str
    )


def _plan(s3: S3Server, bucket: str, path: Path) -> dict[str, Any]:
    r = runner.invoke(
        app, ["fix", "plan", f"s3://{bucket}", "--endpoint-url", s3.endpoint_url, "-o", str(path)]
    )
    assert r.exit_code == 3, r.output  # changes planned (exit-code contract)
    plan = json.loads(path.read_text())
    assert plan["signature"]["alg"] == "HMAC-SHA256"
    return plan


def test_tampered_plan_is_refused_and_nothing_changes(s3: S3Server, tmp_path: Path, secret: bytes) -> None:
    b = _public_bucket(s3)
    plan = _plan(s3, b, tmp_path / "plan.json")
    before = _state(s3, b)
    for c in plan["buckets"][0]["changes"]:  # the attacker's edit, descriptions left as they were
        if c["action"] == "put_public_access_block":
            c["after"] = {k: False for k in c["after"]}
        if c["action"] == "put_bucket_acl":
            c["after"]["Grants"].append(
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "FULL_CONTROL"}
            )
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(plan))
    for args in ([], ["--yes", "--backup-dir", str(tmp_path / "bk")]):
        r = runner.invoke(app, ["fix", "apply", str(bad), *args])
        assert r.exit_code == 1, r.output
        assert "signature mismatch" in r.output and "WOULD" not in r.output
    assert _state(s3, b) == before
    assert not (tmp_path / "bk").exists()


def test_unsigned_or_widening_plans_are_refused(s3: S3Server, tmp_path: Path, secret: bytes) -> None:
    b = _public_bucket(s3)
    plan = _plan(s3, b, tmp_path / "plan.json")
    before = _state(s3, b)
    unsigned = {k: v for k, v in plan.items() if k != "signature"}
    (tmp_path / "u.json").write_text(json.dumps(unsigned))
    r = runner.invoke(app, ["fix", "apply", str(tmp_path / "u.json"), "--yes"])
    assert r.exit_code == 1 and "not signed" in r.output
    # even a validly signed plan may not open access (a planner bug, a key thief): post-state checked
    for c in plan["buckets"][0]["changes"]:
        if c["action"] == "put_bucket_acl":
            c["after"]["Grants"].append(
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"}
            )
    (tmp_path / "w.json").write_text(json.dumps(sign(plan, secret)))
    r = runner.invoke(app, ["fix", "apply", str(tmp_path / "w.json"), "--yes"])
    assert r.exit_code == 1 and "would widen access" in r.output, r.output
    assert _state(s3, b) == before


def test_retargeted_backup_is_refused(s3: S3Server, tmp_path: Path, secret: bytes) -> None:
    b = _public_bucket(s3)
    other = s3.new_bucket("victim")
    s3.client.put_object(Bucket=other, Key="a.csv", Body=b"x")
    _plan(s3, b, tmp_path / "plan.json")
    r = runner.invoke(
        app, ["fix", "apply", str(tmp_path / "plan.json"), "--yes", "--backup-dir", str(tmp_path / "bk")]
    )
    assert r.exit_code == 0, r.output
    (backup_path,) = (tmp_path / "bk").glob("phiscope-backup-*.json")
    backup = json.loads(backup_path.read_text())
    backup["buckets"] = {other: backup["buckets"][b]}  # make the victim public on "rollback"
    backup_path.write_text(json.dumps(backup))
    after = _state(s3, b, other)
    r = runner.invoke(app, ["fix", "rollback", str(backup_path), "--yes"])
    assert r.exit_code == 1 and "signature mismatch" in r.output, r.output
    assert _state(s3, b, other) == after


def test_rollback_is_bound_to_its_run_and_shows_the_diff_first(
    s3: S3Server, tmp_path: Path, secret: bytes
) -> None:
    b = _public_bucket(s3)
    other = s3.new_bucket("victim")
    s3.client.put_object(Bucket=other, Key="a.csv", Body=b"x")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    before = _state(s3, b)
    _plan(s3, b, tmp_path / "plan.json")
    r = runner.invoke(
        app,
        [
            "fix",
            "apply",
            str(tmp_path / "plan.json"),
            "--yes",
            "--backup-dir",
            str(tmp_path / "bk"),
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    (backup_path,) = (tmp_path / "bk").glob("phiscope-backup-*.json")
    after = _state(s3, b, other)
    # a re-targeted backup signed with a stolen key: still not the backup recorded for that run
    forged = json.loads(backup_path.read_text())
    forged["buckets"] = {other: forged["buckets"][b]}
    (tmp_path / "forged.json").write_text(json.dumps(sign(forged, secret)))
    r = runner.invoke(app, ["fix", "rollback", str(tmp_path / "forged.json"), "--yes", "--db", db])
    assert r.exit_code == 1 and "differs from the one recorded" in r.output, r.output
    r = runner.invoke(
        app, ["fix", "rollback", str(backup_path), "--yes", "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert r.exit_code == 1 and "no backup recorded" in r.output, r.output
    assert _state(s3, b, other) == after
    # the real one: the diff first, then the restore
    r = runner.invoke(app, ["fix", "rollback", str(backup_path), "--yes", "--db", db])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    diff = [i for i, line in enumerate(lines) if line.startswith(f"DIFF {b} ")]
    done = [i for i, line in enumerate(lines) if line.startswith("OK ")]
    assert diff and done and max(diff) < min(done), r.output
    assert any("acl: now public grants: none -> restores public grants: READ" in line for line in lines), (
        r.output
    )
    assert _state(s3, b) == before


def test_a_plan_whose_evaluated_post_state_is_more_exposed_is_refused(
    s3: S3Server, tmp_path: Path, secret: bytes
) -> None:
    b = _public_bucket(s3)
    plan = _plan(s3, b, tmp_path / "plan.json")
    before = _state(s3, b)
    # NotPrincipal Allow: open to everyone but one account; the per-change check does not see it,
    # the evaluation of the simulated post-state does.
    sneaky = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{b}/*",
            }
        ],
    }
    changes = plan["buckets"][0]["changes"]
    changes[:] = [c for c in changes if c["action"] != "put_public_access_block"]  # BPA would mask it
    changes.append(
        {
            "id": f"{b}#99",
            "action": "put_bucket_policy",
            "target": {"bucket": b},
            "before": None,
            "after": sneaky,
            "why": "tidy the policy",
        }
    )
    (tmp_path / "s.json").write_text(json.dumps(sign(plan, secret)))
    r = runner.invoke(
        app, ["fix", "apply", str(tmp_path / "s.json"), "--yes", "--backup-dir", str(tmp_path / "bk")]
    )
    assert r.exit_code == 1 and "is not reducing" in r.output and ":write" in r.output, r.output
    assert _state(s3, b) == before
