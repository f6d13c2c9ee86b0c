"""Plan → apply → verify → roll back against the real S3-protocol server, one exposure kind at a time.

moto stores settings faithfully but enforces nothing, so "closed" is judged by re-collecting the
snapshot and re-evaluating it with the exposure engine; the anonymous probe is recorded as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from phiscope.db import remediation as rdb
from phiscope.exposure.evaluate import evaluate_snapshot
from phiscope.exposure.snapshot import collect_snapshot
from phiscope.remediate.apply import apply_plan, load_backup, make_s3control, read_bucket_config, rollback
from phiscope.remediate.cli import make_plan
from phiscope.remediate.plan import is_closed, open_capabilities
from phiscope.remediate.verify import verify_bucket

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
PARTNER = "arn:aws:iam::111122223333:root"


def _owner_acl(c: Any, bucket: str) -> dict[str, Any]:
    a = c.get_bucket_acl(Bucket=bucket)
    return {"Owner": a["Owner"], "Grants": a["Grants"]}


def _group(uri: str, perm: str) -> dict[str, Any]:
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": perm}


def guardrail(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def partner_list(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "PartnerList",
        "Effect": "Allow",
        "Principal": {"AWS": PARTNER},
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
    }


# Each scenario makes one kind of exposure and returns the object keys whose ACLs matter.
def public_bucket_acl(c: Any, b: str) -> list[str]:
    c.put_bucket_acl(Bucket=b, ACL="public-read")
    return []


def public_object_acl(c: Any, b: str) -> list[str]:
    c.put_object(Bucket=b, Key="private.txt", Body=b"p")
    c.put_object(Bucket=b, Key="reports/public.csv", Body=b"x", ACL="public-read")
    return ["private.txt", "reports/public.csv"]


def public_policy_with_guardrail(c: Any, b: str) -> list[str]:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            guardrail(b),
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{b}/*",
            },
            partner_list(b),
        ],
    }
    c.put_bucket_policy(Bucket=b, Policy=json.dumps(policy))
    return []


def authenticated_users_grant(c: Any, b: str) -> list[str]:
    acl = _owner_acl(c, b)
    acl["Grants"] += [_group(AUTH_USERS, "READ"), _group(LOG_DELIVERY, "WRITE")]
    c.put_bucket_acl(Bucket=b, AccessControlPolicy=acl)
    return []


def public_write(c: Any, b: str) -> list[str]:
    acl = _owner_acl(c, b)
    acl["Grants"].append(_group(ALL_USERS, "WRITE"))
    c.put_bucket_acl(Bucket=b, AccessControlPolicy=acl)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Uploads",
                "Effect": "Allow",
                "Principal": {"AWS": ["*", PARTNER]},
                "Action": ["s3:PutObject"],
                "Resource": f"arn:aws:s3:::{b}/uploads/*",
            }
        ],
    }
    c.put_bucket_policy(Bucket=b, Policy=json.dumps(policy))
    return []


SCENARIOS: list[tuple[Callable[[Any, str], list[str]], set[str], set[str]]] = [
    # (setup, actions the plan must contain, actions it must not contain)
    (
        public_bucket_acl,
        {"put_public_access_block", "put_bucket_acl", "put_bucket_ownership_controls"},
        set(),
    ),
    (public_object_acl, {"put_object_acl", "put_bucket_ownership_controls"}, {"put_bucket_acl"}),
    (
        public_policy_with_guardrail,
        {"put_bucket_policy"},
        {"delete_bucket_policy", "put_bucket_acl"},
    ),
    (authenticated_users_grant, {"put_bucket_acl"}, {"put_bucket_ownership_controls"}),
    (public_write, {"put_bucket_acl", "put_bucket_policy"}, {"delete_bucket_policy"}),
]


@pytest.fixture
def ctl(s3: Any) -> Any:
    return make_s3control(s3.endpoint_url)


def snapshot(s3: Any, ctl: Any, bucket: str, keys: list[str]) -> dict[str, Any]:
    return collect_snapshot(s3.client, bucket, s3control=ctl, account_id=s3.account_id, object_keys=keys)


def plan_for(s3: Any, ctl: Any, bucket: str, **kw: Any) -> dict[str, Any]:
    return make_plan(
        [bucket], endpoint_url=s3.endpoint_url, account_id=s3.account_id, s3=s3.client, s3control=ctl, **kw
    )


@pytest.mark.parametrize(("setup", "must", "must_not"), SCENARIOS, ids=[s[0].__name__ for s in SCENARIOS])
def test_fix_verify_and_roll_back(
    s3: Any,
    ctl: Any,
    tmp_path: Path,
    setup: Callable[[Any, str], list[str]],
    must: set[str],
    must_not: set[str],
) -> None:
    bucket = s3.new_bucket("fix")
    keys = setup(s3.client, bucket)
    before_snap = snapshot(s3, ctl, bucket, keys)
    before_exact = read_bucket_config(s3.client, bucket, keys)
    assert not is_closed(evaluate_snapshot(before_snap)), "scenario must start exposed"

    plan = plan_for(s3, ctl, bucket)
    entry = plan["buckets"][0]
    got = {c["action"] for c in entry["changes"]}
    assert must <= got and not (must_not & got), entry
    assert entry["predicted"]["closed"] is True, entry

    engine = rdb.engine_for(f"sqlite:///{tmp_path / 'f.db'}")

    def verify(b: str, k: list[str]) -> dict[str, Any]:
        return verify_bucket(
            s3.client,
            b,
            s3control=ctl,
            account_id=s3.account_id,
            object_keys=k or None,
            endpoint_url=s3.endpoint_url,
        )

    run = apply_plan(
        plan,
        s3.client,
        s3control=ctl,
        yes=True,
        backup_dir=tmp_path,
        engine=engine,
        verify=verify,
        echo=lambda _: None,
    )
    assert [a["status"] for a in run.applied] == ["applied"] * len(entry["changes"])
    assert run.ok, (run.errors, run.verifications)
    (check,) = run.verifications
    assert check["status"] == "closed" and check["probe"] is not None
    after_snap = snapshot(s3, ctl, bucket, keys)
    assert open_capabilities(evaluate_snapshot(after_snap)) == []

    # Minimal: non-public parts survive.
    after_exact = read_bucket_config(s3.client, bucket, keys)
    if setup is public_policy_with_guardrail:
        assert after_exact["policy"]["Statement"] == [guardrail(bucket), partner_list(bucket)]
    if setup is public_write:
        assert after_exact["policy"]["Statement"][0]["Principal"] == {"AWS": [PARTNER]}
    if setup is authenticated_users_grant:
        uris = {g["Grantee"].get("URI") for g in after_exact["acl"]["Grants"]}
        assert LOG_DELIVERY in uris and AUTH_USERS not in uris
    if setup is public_object_acl:
        assert after_exact["object_acls"]["private.txt"] == before_exact["object_acls"]["private.txt"]

    # The backup holds the exact previous configuration, in the file and in the database.
    assert run.backup_path is not None
    backup = load_backup(Path(run.backup_path))
    assert backup["buckets"][bucket]["acl"] == before_exact["acl"]
    assert backup["buckets"][bucket]["policy_text"] == before_exact["policy_text"]
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(rdb.remediation_backups)).scalar() == 1
        stored = c.execute(select(rdb.remediation_verifications.c.status)).scalars().all()
    assert stored == ["closed"]
    history = rdb.bucket_history(engine, bucket)
    assert [h["action"] for h in history["changes"]] == [c["action"] for c in entry["changes"]]
    for h in history["changes"]:
        if h["action"] in ("put_bucket_acl", "put_object_acl", "put_bucket_policy", "delete_bucket_policy"):
            assert h["before"] is not None, h

    steps = rollback(backup, s3.client, s3control=ctl, yes=True, engine=engine, echo=lambda _: None)
    assert all(s["status"] == "rolled_back" for s in steps), steps
    assert read_bucket_config(s3.client, bucket, keys) == before_exact
    restored = snapshot(s3, ctl, bucket, keys)
    assert json.dumps(restored, sort_keys=True) == json.dumps(before_snap, sort_keys=True)


def test_dry_run_changes_nothing(s3: Any, ctl: Any, tmp_path: Path) -> None:
    bucket = s3.new_bucket("dry")
    keys = public_object_acl(s3.client, bucket)
    public_policy_with_guardrail(s3.client, bucket)
    before = json.dumps(snapshot(s3, ctl, bucket, keys), sort_keys=True)
    plan = plan_for(s3, ctl, bucket)
    assert plan["buckets"][0]["changes"]
    lines: list[str] = []
    run = apply_plan(plan, s3.client, s3control=ctl, yes=False, backup_dir=tmp_path, echo=lines.append)
    assert run.dry_run and run.applied == [] and run.backup_path is None
    assert any(line.startswith("WOULD put_bucket_policy") for line in lines)
    assert list(tmp_path.iterdir()) == []
    assert json.dumps(snapshot(s3, ctl, bucket, keys), sort_keys=True) == before


def test_stale_plan_is_refused(s3: Any, ctl: Any, tmp_path: Path) -> None:
    bucket = s3.new_bucket("stale")
    public_policy_with_guardrail(s3.client, bucket)
    plan = plan_for(s3, ctl, bucket)
    s3.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [guardrail(bucket)]}))
    run = apply_plan(plan, s3.client, s3control=ctl, yes=True, backup_dir=tmp_path, echo=lambda _: None)
    assert bucket in run.skipped_buckets and run.applied == []
    assert json.loads(s3.client.get_bucket_policy(Bucket=bucket)["Policy"]) == {
        "Statement": [guardrail(bucket)]
    }


def test_trusted_probe_can_overrule_the_settings(s3: Any, ctl: Any) -> None:
    """moto answers anonymous reads whatever the settings: a trusted probe must then say 'still exposed'."""
    bucket = s3.new_bucket("probe")
    s3.client.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    res = verify_bucket(
        s3.client,
        bucket,
        s3control=ctl,
        account_id=s3.account_id,
        endpoint_url=s3.endpoint_url,
        trust_probe=True,
    )
    assert is_closed({"access": res["evaluation"]["access"]})
    assert res["probe_open"] is True and res["status"] == "still exposed"
    res = verify_bucket(
        s3.client, bucket, s3control=ctl, account_id=s3.account_id, endpoint_url=s3.endpoint_url
    )
    assert res["status"] == "closed" and any("not decisive" in e for e in res["evidence"])


def test_mutelisted_bucket_is_left_alone(s3: Any, ctl: Any, tmp_path: Path) -> None:
    site = s3.new_bucket("website")
    public_bucket_acl(s3.client, site)
    other = s3.new_bucket("leak")
    public_bucket_acl(s3.client, other)
    ml = tmp_path / "mutelist.yaml"
    ml.write_text(f"mutelist:\n  - bucket: '{site}'\n    reason: public website\n", encoding="utf-8")
    plan = make_plan(
        [site, other],
        endpoint_url=s3.endpoint_url,
        account_id=s3.account_id,
        s3=s3.client,
        s3control=ctl,
        mutelist=ml,
    )
    status = {b["bucket"]: b["status"] for b in plan["buckets"]}
    assert status == {site: "skipped", other: "planned"}
    assert [s["bucket"] for s in plan["skipped"]] == [site]


def test_account_level_block_and_rollback(s3: Any, ctl: Any, tmp_path: Path) -> None:
    bucket = s3.new_bucket("acct")
    public_bucket_acl(s3.client, bucket)
    before = json.dumps(snapshot(s3, ctl, bucket, []), sort_keys=True)
    plan = plan_for(s3, ctl, bucket, account_level=True)
    assert [c["action"] for c in plan["account_changes"]] == ["put_account_public_access_block"]
    run = apply_plan(plan, s3.client, s3control=ctl, yes=True, backup_dir=tmp_path, echo=lambda _: None)
    try:
        acct = ctl.get_public_access_block(AccountId=s3.account_id)["PublicAccessBlockConfiguration"]
        assert all(acct.values())
    finally:
        assert run.backup_path is not None
        steps = rollback(
            load_backup(Path(run.backup_path)), s3.client, s3control=ctl, yes=True, echo=lambda _: None
        )
    assert all(s["status"] == "rolled_back" for s in steps), steps
    assert json.dumps(snapshot(s3, ctl, bucket, []), sort_keys=True) == before
