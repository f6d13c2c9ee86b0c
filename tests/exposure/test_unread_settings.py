"""A setting that could grant outsiders access and could not be read makes the bucket's verdict
"could not verify", never "not exposed" (no false all-clear), unless another setting makes it
unable to grant anything (ACLs off or ignored; a policy under RestrictPublicBuckets)."""

from __future__ import annotations

from typing import Any

import pytest

from phiscope.exposure.evaluate import evaluate_snapshot
from phiscope.scan.verdict import bucket_verdict

BPA_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
PRIVATE_ACL = {
    "Owner": {"ID": "owner"},
    "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "owner"}, "Permission": "FULL_CONTROL"}],
}


def _snapshot(errors: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "version": 1,
        "bucket": "b",
        "owner_account": "111122223333",
        "account_public_access_block": None,
        "public_access_block": None,
        "ownership": None,
        "acl": PRIVATE_ACL,
        "policy": None,
        "object_acls": {},
        "errors": errors,
    }
    snap.update(settings)
    return snap


def _err(op: str, code: str) -> dict[str, Any]:
    return {"operation": op, "code": code, "message": code}


@pytest.mark.parametrize(
    ("errors", "settings", "unread"),
    [
        ([], {}, []),
        ([_err("GetBucketPolicy", "InvalidJSON")], {}, ["bucket policy could not be read (InvalidJSON)"]),
        ([_err("GetBucketPolicy", "AccessDenied")], {}, ["bucket policy could not be read (AccessDenied)"]),
        ([_err("GetObjectAcl", "500")], {}, ["object ACLs could not be read (500)"]),
        (
            [_err("GetBucketAcl", "AccessDenied")],
            {"acl": None},
            ["bucket ACL could not be read (AccessDenied)"],
        ),
        # ACLs off: an unread ACL grants nothing
        ([_err("GetObjectAcl", "AccessDenied")], {"ownership": "BucketOwnerEnforced"}, []),
        # ACLs ignored, a public policy restricted: Block Public Access makes the gaps harmless
        (
            [_err("GetObjectAcl", "AccessDenied"), _err("GetBucketPolicy", "InvalidJSON")],
            {"public_access_block": BPA_ALL},
            [],
        ),
        # the object went away since the listing
        ([_err("GetObjectAcl", "NoSuchKey")], {}, []),
        # Block Public Access unread is assumed off: conservative, nothing unknown about grants
        ([_err("GetPublicAccessBlock", "NotImplemented")], {}, []),
    ],
)
def test_unread_grant_settings(
    errors: list[dict[str, Any]], settings: dict[str, Any], unread: list[str]
) -> None:
    exposure = evaluate_snapshot(_snapshot(errors, **settings))
    assert exposure.get("unread", []) == unread
    verdict, cause, _ = bucket_verdict({"exposure": exposure, "exposure_errors": errors}, "owner")
    if unread:
        assert (verdict, cause) == ("could_not_verify", unread[0])
    else:
        assert (verdict, cause) == ("not_exposed", None)
