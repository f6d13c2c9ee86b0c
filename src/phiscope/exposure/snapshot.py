"""Collect a bucket snapshot v1 from a live store (the owner's side).

Each setting is read with its own call; a call that fails is recorded in `errors` and its field left
null, so the evaluator can say "unknown" instead of silently reading "private". A missing
configuration (no policy, no Block Public Access, no ownership controls) is a real null, not an error.
"""

from __future__ import annotations

import json
from typing import Any

from phiscope.textsafe import server_message

SNAPSHOT_VERSION = 1

# Error codes that mean "this configuration does not exist" rather than "could not read it".
_ABSENT = {
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
}


class SnapshotError(Exception):
    """The bucket cannot be snapshotted at all (it does not exist, or the endpoint is unreachable)."""


def _code(exc: Exception) -> tuple[str, str]:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        err = resp.get("Error", {}) or {}
        code = str(err.get("Code") or resp.get("ResponseMetadata", {}).get("HTTPStatusCode") or "error")
        return code, server_message(str(err.get("Message") or code))
    return type(exc).__name__, server_message(str(exc))


def _strip(resp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def collect_snapshot(
    s3: Any,
    bucket: str,
    *,
    s3control: Any = None,
    account_id: str | None = None,
    object_keys: list[str] | None = None,
    max_object_acls: int = 100,
) -> dict[str, Any]:
    """Read ACL, policy, BPA (bucket and account), ownership and a sample of object ACLs."""
    errors: list[dict[str, Any]] = []

    def call(operation: str, fn: Any, **kw: Any) -> tuple[dict[str, Any] | None, bool]:
        """(response, absent): response None on failure (recorded) or when the config is absent."""
        try:
            return fn(**kw), False
        except Exception as e:  # botocore ClientError, connection errors: recorded, never fatal here
            code, msg = _code(e)
            if code in _ABSENT:
                return None, True
            if code in ("NoSuchBucket", "404") and operation == "GetBucketAcl":
                raise SnapshotError(f"bucket {bucket!r} does not exist") from e
            if type(e).__name__ in ("EndpointConnectionError", "ConnectTimeoutError"):
                raise SnapshotError(f"endpoint unreachable: {msg}") from e
            errors.append({"operation": operation, "code": code, "message": msg})
            return None, False

    snap: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "bucket": bucket,
        "owner_account": account_id,
        "account_public_access_block": None,
        "public_access_block": None,
        "ownership": None,
        "acl": None,
        "policy": None,
        "object_acls": {},
    }

    resp, _ = call("GetBucketAcl", s3.get_bucket_acl, Bucket=bucket)
    if resp is not None:
        snap["acl"] = _strip(resp)

    resp, _ = call("GetBucketPolicy", s3.get_bucket_policy, Bucket=bucket)
    if resp is not None:
        try:
            snap["policy"] = json.loads(resp.get("Policy") or "null")
        except ValueError as e:
            errors.append({"operation": "GetBucketPolicy", "code": "InvalidJSON", "message": str(e)})

    resp, _ = call("GetPublicAccessBlock", s3.get_public_access_block, Bucket=bucket)
    if resp is not None:
        snap["public_access_block"] = resp.get("PublicAccessBlockConfiguration")

    if s3control is not None and account_id:
        resp, _ = call(
            "s3control:GetPublicAccessBlock", s3control.get_public_access_block, AccountId=account_id
        )
        if resp is not None:
            snap["account_public_access_block"] = resp.get("PublicAccessBlockConfiguration")
    else:
        why = "account id unknown (pass --account-id)" if not account_id else "no s3control client"
        errors.append({"operation": "s3control:GetPublicAccessBlock", "code": "NotCollected", "message": why})

    resp, _ = call("GetBucketOwnershipControls", s3.get_bucket_ownership_controls, Bucket=bucket)
    if resp is not None:
        rules = (resp.get("OwnershipControls") or {}).get("Rules") or []
        snap["ownership"] = rules[0].get("ObjectOwnership") if rules else None

    keys = list(object_keys) if object_keys is not None else _sample_keys(s3, bucket, max_object_acls, errors)
    for key in keys[: max(0, max_object_acls)]:
        resp, _ = call("GetObjectAcl", s3.get_object_acl, Bucket=bucket, Key=key)
        if resp is not None:
            snap["object_acls"][key] = _strip(resp)
        elif errors and errors[-1].get("operation") == "GetObjectAcl":
            errors[-1]["key"] = key
    snap["errors"] = errors
    return snap


def _sample_keys(s3: Any, bucket: str, limit: int, errors: list[dict[str, Any]]) -> list[str]:
    """The first `limit` keys in listing order (folder markers skipped)."""
    if limit <= 0:
        return []
    try:
        resp = s3.list_objects_v2(Bucket=bucket, MaxKeys=min(1000, limit))
    except Exception as e:
        code, msg = _code(e)
        errors.append({"operation": "ListObjectsV2", "code": code, "message": msg})
        return []
    return [o["Key"] for o in resp.get("Contents", []) if not o["Key"].endswith("/")][:limit]


def control_client(
    *, endpoint_url: str | None = None, profile: str | None = None, region: str | None = None
) -> Any:
    """An s3control client that also works against a custom endpoint.

    (make_client strips the account-id host prefix the SDK adds, which custom endpoints lack.)
    """
    from phiscope.storage.s3 import make_client

    return make_client("s3control", endpoint_url=endpoint_url, profile=profile, region=region)
