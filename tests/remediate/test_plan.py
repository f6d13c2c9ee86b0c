"""The planner's semantics: which grants and statements are public, and the minimal fix for each."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from phiscope.exposure.evaluate import evaluate_snapshot
from phiscope.remediate.plan import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    FULL_BPA,
    apply_to_snapshot,
    build_plan,
    engine_public_statements,
    narrow_statement,
    plan_bucket,
    plan_policy,
    restricting_condition,
    split_acl,
    statement_is_public,
    validate_plan,
)

OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OTHER = "1111111111111111111111111111111111111111111111111111111111111111"


def grant(permission: str, *, uri: str | None = None, cid: str | None = None) -> dict[str, Any]:
    if uri:
        return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}
    return {"Grantee": {"Type": "CanonicalUser", "ID": cid or OWNER}, "Permission": permission}


def acl(*grants: dict[str, Any], owner: str = OWNER) -> dict[str, Any]:
    return {"Owner": {"ID": owner}, "Grants": list(grants)}


def snap(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "bucket": "bkt",
        "owner_account": "123456789012",
        "account_public_access_block": None,
        "public_access_block": None,
        "ownership": "ObjectWriter",
        "acl": acl(grant("FULL_CONTROL")),
        "policy": None,
        "object_acls": {},
        "errors": [],
    }
    base.update(kw)
    return base


def allow(principal: Any, action: Any = "s3:GetObject", sid: str | None = None, **kw: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    st["Resource"] = "arn:aws:s3:::bkt/*"
    if sid:
        st["Sid"] = sid
    st.update(kw)
    return st


DENY_INSECURE = {
    "Sid": "DenyInsecure",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ACCOUNT = "arn:aws:iam::111122223333:root"


# -- statement publicness (rule each case checks in its id) ----------------------------------------
@pytest.mark.parametrize(
    ("stmt", "public"),
    [
        pytest.param(allow("*"), True, id="principal-star"),
        pytest.param(allow({"AWS": "*"}), True, id="aws-star"),
        pytest.param(allow({"AWS": ["*", ACCOUNT]}), True, id="star-in-list"),
        pytest.param(allow({"AWS": "arn:aws:iam::*:root"}), True, id="wildcard-account-arn"),
        pytest.param(allow({"AWS": ACCOUNT}), False, id="named-account"),
        pytest.param(allow({"Service": "logging.s3.amazonaws.com"}), False, id="service"),
        pytest.param({**DENY_INSECURE}, False, id="deny-never-public"),
        pytest.param(
            {"Effect": "Allow", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"},
            True,
            id="notprincipal-allow",
        ),
        pytest.param(
            {"Effect": "Allow", "NotPrincipal": "*", "Action": "s3:*"}, False, id="notprincipal-star"
        ),
        pytest.param(
            allow("*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}), False, id="vpce-pinned"
        ),
        pytest.param(
            allow("*", Condition={"StringEquals": {"AWS:SOURCEVPCE": "vpce-1a2b3c"}}),
            False,
            id="condition-key-case-insensitive",
        ),
        pytest.param(
            allow("*", Condition={"StringLike": {"aws:SourceVpce": "vpce-*"}}), True, id="wildcard-value"
        ),
        pytest.param(
            allow("*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}),
            True,
            id="negated-operator",
        ),
        pytest.param(
            allow("*", Condition={"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}), True, id="ifexists"
        ),
        pytest.param(
            allow("*", Condition={"ForAllValues:StringEquals": {"aws:SourceVpce": "vpce-1"}}),
            True,
            id="forallvalues",
        ),
        pytest.param(
            allow("*", Condition={"StringEquals": {"aws:Referer": "https://example.org"}}), True, id="referer"
        ),
        pytest.param(allow("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), False, id="cidr-8"),
        pytest.param(allow("*", Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True, id="cidr-0"),
        pytest.param(
            allow("*", Condition={"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}), False, id="ipv6-32"
        ),
        pytest.param(
            allow("*", Condition={"IpAddress": {"aws:SourceIp": "2001:db8::/16"}}), True, id="ipv6-16"
        ),
        pytest.param(
            allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "${aws:username}"}}),
            True,
            id="policy-variable",
        ),
        pytest.param(
            allow(
                "*",
                Condition={
                    "StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:111122223333:accesspoint/*"}
                },
            ),
            False,
            id="access-point-name-wildcard-ok",
        ),
        pytest.param(
            allow(
                "*",
                Condition={"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-east-1:*:accesspoint/*"}},
            ),
            True,
            id="access-point-account-wildcard",
        ),
    ],
)
def test_statement_is_public(stmt: dict[str, Any], public: bool) -> None:
    assert statement_is_public(stmt) is public


def test_restricting_condition_names_the_key() -> None:
    cond = {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}
    assert "aws:SourceAccount" in (restricting_condition(cond) or "")


# -- ACLs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("grants", "kept", "removed"),
    [
        ([grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS)], 1, 1),
        ([grant("FULL_CONTROL"), grant("WRITE", uri=AUTHENTICATED_USERS)], 1, 1),
        (
            [grant("FULL_CONTROL"), grant("READ", cid=OTHER), grant("READ_ACP", uri=ALL_USERS)],
            2,
            1,
        ),
        ([grant("WRITE", uri="http://acs.amazonaws.com/groups/s3/LogDelivery")], 1, 0),
        ([], 0, 0),
    ],
)
def test_split_acl_removes_only_public_groups(grants: list[dict[str, Any]], kept: int, removed: int) -> None:
    new, gone = split_acl(acl(*grants))
    assert len(new["Grants"]) == kept and len(gone) == removed
    assert new["Owner"] == {"ID": OWNER}
    assert all(g["Grantee"].get("URI") not in (ALL_USERS, AUTHENTICATED_USERS) for g in new["Grants"])


# -- policies -------------------------------------------------------------------------------------
def test_narrow_keeps_named_accounts() -> None:
    st = allow({"AWS": ["*", ACCOUNT], "Service": "cloudfront.amazonaws.com"})
    out = narrow_statement(st)
    assert out is not None and out["Principal"] == {"AWS": [ACCOUNT], "Service": "cloudfront.amazonaws.com"}
    assert narrow_statement(allow("*")) is None
    assert narrow_statement(allow({"AWS": "*"})) is None


def test_plan_policy_keeps_deny_and_non_public_statements_verbatim() -> None:
    cross = allow({"AWS": ACCOUNT}, "s3:ListBucket", sid="Partner", Resource="arn:aws:s3:::bkt")
    policy = {"Version": "2012-10-17", "Id": "p1", "Statement": [DENY_INSECURE, allow("*", sid="Pub"), cross]}
    new, why = plan_policy(copy.deepcopy(policy))
    assert new == {"Version": "2012-10-17", "Id": "p1", "Statement": [DENY_INSECURE, cross]}
    assert len(why) == 1 and "Pub" in why[0]


def test_plan_policy_deletes_only_when_nothing_is_left() -> None:
    new, why = plan_policy({"Version": "2012-10-17", "Statement": allow("*")})
    assert new is None and why
    new, why = plan_policy({"Version": "2012-10-17", "Statement": [DENY_INSECURE, allow("*")]})
    assert new == {"Version": "2012-10-17", "Statement": [DENY_INSECURE]}


def test_plan_policy_narrows_instead_of_removing() -> None:
    policy = {"Statement": [allow({"AWS": ["*", ACCOUNT]}, sid="Mixed")]}
    new, why = plan_policy(policy)
    assert new == {"Statement": [allow({"AWS": [ACCOUNT]}, sid="Mixed")]}
    assert why[0].startswith("narrow")


def test_plan_policy_follows_the_engine_when_it_has_a_verdict() -> None:
    policy = {"Statement": [allow("*", sid="A"), allow("*", sid="B")]}
    new, _ = plan_policy(policy, engine_public={1})
    assert new == {"Statement": [allow("*", sid="A")]}  # the engine judged A non-public (e.g. Deny-pinned)
    unchanged, why = plan_policy(policy, engine_public=set())
    assert unchanged is policy and why == []


def test_engine_public_statements_reads_grant_evidence() -> None:
    ev = {
        "evidence": [
            {"kind": "policy_statement", "index": 2, "effect": "grants"},
            {"kind": "policy_statement", "index": 0, "effect": "blocks"},
            {"kind": "acl_grant", "index": 5, "effect": "grants"},
        ]
    }
    assert engine_public_statements(ev) == {2}
    assert engine_public_statements({"access": {}}) is None


# -- bucket plans ---------------------------------------------------------------------------------
def actions(plan: dict[str, Any]) -> list[str]:
    return [c["action"] for c in plan["changes"]]


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        pytest.param(
            snap(acl=acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS))),
            ["put_public_access_block", "put_bucket_acl", "put_bucket_ownership_controls"],
            id="public-acl",
        ),
        pytest.param(
            snap(acl=acl(grant("FULL_CONTROL"), grant("READ", cid=OTHER), grant("READ", uri=ALL_USERS))),
            ["put_public_access_block", "put_bucket_acl"],
            id="cross-account-grant-keeps-acls-enabled",
        ),
        pytest.param(
            snap(policy={"Statement": [DENY_INSECURE, allow("*")]}),
            ["put_public_access_block", "put_bucket_policy", "put_bucket_ownership_controls"],
            id="public-policy-with-guardrail",
        ),
        pytest.param(
            snap(policy={"Statement": [allow("*")]}),
            ["put_public_access_block", "delete_bucket_policy", "put_bucket_ownership_controls"],
            id="public-policy-alone",
        ),
        pytest.param(
            snap(object_acls={"a.txt": acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS))}),
            ["put_public_access_block", "put_object_acl", "put_bucket_ownership_controls"],
            id="public-object-acl",
        ),
        pytest.param(
            snap(
                ownership="BucketOwnerEnforced",
                acl=acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS)),
                policy={"Statement": [allow("*")]},
            ),
            ["put_public_access_block", "delete_bucket_policy"],
            id="acls-disabled-left-alone",
        ),
        pytest.param(snap(), [], id="private"),
        pytest.param(
            snap(
                public_access_block=dict(FULL_BPA),
                acl=acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS)),
            ),
            ["put_bucket_acl", "put_bucket_ownership_controls"],
            id="bpa-already-on-latent-grant-still-removed",
        ),
    ],
)
def test_plan_bucket_orders_minimal_changes(snapshot: dict[str, Any], expected: list[str]) -> None:
    plan = plan_bucket(snapshot, evaluate_snapshot(snapshot), object_acls_complete=True)
    assert actions(plan) == expected
    for c in plan["changes"]:
        assert c["why"] and c["target"]["bucket"] == "bkt"


def test_ownership_not_enforced_when_object_acls_unread() -> None:
    s = snap(acl=acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS)))
    plan = plan_bucket(s, evaluate_snapshot(s), object_acls_complete=False)
    assert "put_bucket_ownership_controls" not in actions(plan)
    assert any("Object Ownership left as is" in n for n in plan["notes"])


def test_account_level_replaces_bucket_bpa() -> None:
    s = snap(acl=acl(grant("FULL_CONTROL"), grant("READ", uri=ALL_USERS)))
    plan = build_plan([s], evaluate_snapshot, account_level=True, account_id="123456789012")
    assert [c["action"] for c in plan["account_changes"]] == ["put_account_public_access_block"]
    assert "put_public_access_block" not in actions(plan["buckets"][0])
    assert validate_plan(plan) == []


def test_build_plan_predicts_closure_with_the_engine() -> None:
    s = snap(
        acl=acl(grant("FULL_CONTROL"), grant("WRITE", uri=ALL_USERS)),
        policy={"Statement": [DENY_INSECURE, allow("*", ["s3:GetObject", "s3:PutObject"])]},
        object_acls={"k": acl(grant("FULL_CONTROL"), grant("READ", uri=AUTHENTICATED_USERS))},
    )
    assert not all(v is False for aud in evaluate_snapshot(s)["access"].values() for v in aud.values()), (
        "fixture must start exposed"
    )
    plan = build_plan([s], evaluate_snapshot, complete_acls=lambda _: True)
    entry = plan["buckets"][0]
    assert entry["status"] == "planned"
    assert entry["predicted"] == {"closed": True, "still_open": []}
    after = apply_to_snapshot(s, entry["changes"])
    assert after["policy"]["Statement"] == [DENY_INSECURE]


def test_mutelisted_bucket_is_skipped() -> None:
    s = snap(policy={"Statement": [allow("*")]})
    plan = build_plan([s], evaluate_snapshot, muted=lambda b, exp: list(exp) if b == "bkt" else [])
    assert plan["buckets"][0]["status"] == "skipped" and plan["buckets"][0]["changes"] == []
    assert plan["skipped"][0]["bucket"] == "bkt"


def test_partly_muted_bucket_needs_review() -> None:
    s = snap(policy={"Statement": [allow("*", ["s3:GetObject", "s3:PutObject"])]})
    plan = build_plan([s], evaluate_snapshot, muted=lambda b, exp: [e for e in exp if e.endswith(":read")])
    assert plan["buckets"][0]["status"] == "needs_review"
    assert plan["buckets"][0]["changes"] == []


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"schema": "other"},
        {"schema": "phiscope/remediation-plan/v1", "buckets": [{"changes": [{"action": "rm"}]}]},
    ],
)
def test_validate_plan_rejects_bad_input(bad: Any) -> None:
    assert validate_plan(bad)
