"""GCS, live: read a bucket's settings into a snapshot (owner), and probe it as anyone would.

The snapshot holds what the JSON API returns: iamConfiguration (uniform bucket-level access, public
access prevention), the IAM policy (version 3, so conditions come back), the bucket ACL and default
object ACL, and ACLs of sampled objects. A read that fails is recorded as an error, never as empty.
The probe uses an anonymous client only: a listing of a few names, one byte of one object, the IAM
policy (readable only to those allowed to read it), and an opt-in marker object deleted again.
"""

from __future__ import annotations

from typing import Any

from phiscope.storage.gcs import GCSStore, retry

# Settings reads: bounded like the connector; probe requests: short, an attacker does not wait.
KW: dict[str, Any] = {"timeout": (5.0, 30.0)}
PROBE_KW: dict[str, Any] = {"timeout": (5.0, 20.0)}

LIST_MAX = 5


def _code(exc: Exception) -> tuple[str, int | None]:
    status = getattr(exc, "code", None)
    status = int(status) if isinstance(status, int) else None
    name = type(exc).__name__
    if name in ("ConnectionError", "ConnectTimeout", "ReadTimeout", "TransportError", "RetryError"):
        return "unreachable", None
    return name, status


def classify(code: str, status: int | None, message: str = "") -> str:
    if code == "unreachable":
        return "unreachable"
    if status in (401, 403):
        return "AccessDenied"
    if status == 404:
        return "NoSuchBucket" if "bucket" in message.lower() else "NoSuchKey"
    return "error"


def _call(fn: Any, not_found: str | None = None) -> tuple[Any, dict[str, Any]]:
    try:
        return fn(), {"outcome": "allowed"}
    except Exception as e:
        code, status = _code(e)
        outcome = classify(code, status, str(getattr(e, "message", "")))
        if status == 404 and not_found:
            outcome = not_found  # a 404 on a bucket-level call: the bucket is missing
        info: dict[str, Any] = {"outcome": outcome, "code": code}
        if status is not None:
            info["http_status"] = status
        return None, info


def _acl_list(acl: Any) -> list[dict[str, Any]]:
    return [{"entity": e.get("entity"), "role": e.get("role")} for e in acl]


def collect_snapshot(store: GCSStore, bucket: str, *, object_keys: list[str] | None = None) -> dict[str, Any]:
    """GCS snapshot v1 of one bucket (see docs/providers.md)."""
    snap: dict[str, Any] = {
        "provider": "gcs",
        "bucket": bucket,
        "iam_configuration": None,
        "iam_policy": None,
        "acl": None,
        "default_object_acl": None,
        "object_acls": {},
        "errors": [],
    }
    b = store.client.bucket(bucket)

    def err(op: str, info: dict[str, Any]) -> None:
        snap["errors"].append({"operation": op, "code": info.get("code"), "message": ""})

    _, info = _call(lambda: b.reload(projection="full", **KW, retry=retry()))
    if info["outcome"] == "allowed":
        snap["iam_configuration"] = dict(b._properties.get("iamConfiguration") or {})
        snap["location"] = b._properties.get("location")
        if b._properties.get("acl") is not None:
            snap["acl"] = _acl_list(b._properties.get("acl") or [])
        if b._properties.get("defaultObjectAcl") is not None:
            snap["default_object_acl"] = _acl_list(b._properties.get("defaultObjectAcl") or [])
    else:
        err("buckets.get", info)
    policy, info = _call(lambda: b.get_iam_policy(requested_policy_version=3, **KW, retry=retry()))
    if policy is None:
        err("buckets.getIamPolicy", info)
    else:
        snap["iam_policy"] = {
            "version": policy.version,
            "bindings": [
                {
                    k: v
                    for k, v in (
                        ("role", x["role"]),
                        ("members", sorted(x["members"])),
                        ("condition", x.get("condition")),
                    )
                    if v is not None
                }
                for x in policy.bindings
            ],
        }
    ubla = bool(((snap["iam_configuration"] or {}).get("uniformBucketLevelAccess") or {}).get("enabled"))
    if not ubla:
        if snap["acl"] is None:
            acl, info = _call(lambda: b.acl.reload(**KW, retry=retry()) or True)
            if acl is None and info["outcome"] != "allowed":
                err("bucketAccessControls.list", info)
            else:
                snap["acl"] = _acl_list(b.acl)
        if snap["default_object_acl"] is None:
            _, info = _call(lambda: b.default_object_acl.reload(**KW, retry=retry()))
            if info["outcome"] == "allowed":
                snap["default_object_acl"] = _acl_list(b.default_object_acl)
            else:
                err("defaultObjectAccessControls.list", info)
        for key in (object_keys or [])[:100]:
            blob = b.blob(key)
            _, info = _call(lambda blob=blob: blob.acl.reload(**KW, retry=retry()))
            if info["outcome"] == "allowed":
                snap["object_acls"][key] = _acl_list(blob.acl)
            else:
                err("objectAccessControls.list", info)
                break
    return snap


def probe_bucket(
    bucket: str, *, endpoint_url: str | None = None, key: str | None = None, test_write: bool = False
) -> dict[str, Any]:
    """Anonymous list/read/getIamPolicy (and opt-in write) against one bucket; the S3 probe's shape."""
    from phiscope.exposure import cloud_probe as step

    out: dict[str, Any] = {"target": f"gs://{bucket}", "bucket": bucket, "provider": "gcs"}
    try:
        store = GCSStore(endpoint_url=endpoint_url, anonymous=True)
    except Exception as e:
        code, status = _code(e)
        return step.failed(out, code, classify(code, status))
    out["endpoint_url"] = store.endpoint
    b = store.client.bucket(bucket)
    res: dict[str, Any] = {}

    def first_page() -> list[Any]:
        return list(store.client.list_blobs(bucket, max_results=LIST_MAX, **PROBE_KW, retry=retry(10)))

    blobs, info = _call(first_page, "NoSuchBucket")
    key = step.list_step(blobs, info, key)
    res["list"] = info
    res["read"] = step.read_step(
        _call,
        key,
        lambda k: b.blob(k).download_as_bytes(start=0, end=0, raw_download=True, **PROBE_KW, retry=retry(10)),
    )
    policy, info = _call(
        lambda: b.get_iam_policy(requested_policy_version=3, **PROBE_KW, retry=retry(10)), "NoSuchBucket"
    )
    if policy is not None:
        info["public_bindings"] = sorted(
            f"{m}:{x['role']}"
            for x in policy.bindings
            for m in x["members"]
            if m in ("allUsers", "allAuthenticatedUsers")
        )
    res["read_acl"] = info
    res["write"] = step.write_step(
        _call,
        test_write,
        lambda name, body: b.blob(name).upload_from_string(body) or True,
        lambda name: b.blob(name).delete(),
        "object",
    )
    return step.conclude(out, res, ("allowed", "AccessDenied", "NoSuchKey"))
