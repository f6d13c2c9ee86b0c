"""Azure, live: read a container's settings into a snapshot (owner), and probe it as anyone would.

The data-plane API shows the container access level and its stored access policies. The account's
settings (allowBlobPublicAccess, network rules, private endpoints) and role assignments live in Azure
Resource Manager: they are read when the caller passes them in (`account_settings`, e.g. from
`az storage account show`), otherwise the snapshot says they were not read and the evaluator reports
what that may change. The probe sends unsigned requests only: a listing of a few names, one byte of
one blob, and (opt-in) a uniquely named marker blob that is deleted again.
"""

from __future__ import annotations

from typing import Any

from phiscope.storage.azure import PROBE_KW, AzureStore, make_service_client

LIST_MAX = 5
_DENIED = {
    "AuthorizationFailure",
    "AuthenticationFailed",
    "NoAuthenticationInformation",
    "PublicAccessNotPermitted",
    "AuthorizationPermissionMismatch",
    "AuthorizationSourceIPMismatch",
    "InsufficientAccountPermissions",
}


def _code(exc: Exception) -> tuple[str, int | None]:
    code = getattr(exc, "error_code", None)
    status = getattr(exc, "status_code", None)
    code = str(getattr(code, "value", code) or "") or None
    if code is None:
        resp = getattr(exc, "response", None)
        hdrs = getattr(resp, "headers", None) or {}
        code = hdrs.get("x-ms-error-code") if hasattr(hdrs, "get") else None
    return (code or type(exc).__name__), status


def classify(code: str, status: int | None) -> str:
    """Azure error -> the probe's outcome vocabulary (shared with the S3 probe)."""
    if code in _DENIED or status in (401, 403):
        return "AccessDenied"
    if code == "ContainerNotFound":
        return "NoSuchBucket"
    if code == "BlobNotFound":
        return "NoSuchKey"
    if code == "ResourceNotFound" or status == 404:
        return "NotFound"  # anonymous requests to a private container get 404, not 403
    if code in ("ServiceRequestError", "ServiceResponseError", "ConnectionError"):
        return "unreachable"
    return "error"


def _call(fn: Any) -> tuple[Any, dict[str, Any]]:
    try:
        return fn(), {"outcome": "allowed"}
    except Exception as e:
        code, status = _code(e)
        info: dict[str, Any] = {"outcome": classify(code, status), "code": code}
        if status is not None:
            info["http_status"] = status
        return None, info


def collect_snapshot(
    store: AzureStore,
    bucket_id: str,
    *,
    account_settings: dict[str, Any] | None = None,
    role_assignments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Azure snapshot v1 of one container (see docs/providers.md)."""
    container = store.container_of(bucket_id)
    snap: dict[str, Any] = {
        "provider": "azure",
        "account": store.account,
        "container": container,
        "account_settings": account_settings,
        "container_settings": None,
        "role_assignments": role_assignments,
        "errors": [],
    }
    cc = store.container_client(bucket_id)
    if container == "$web":  # served anonymously by the web endpoint when static website is on
        props, info = _call(store.client.get_service_properties)
        if props is not None:
            sw = props.get("static_website")
            snap["static_website"] = {"enabled": bool(getattr(sw, "enabled", False))}
        else:
            snap["errors"].append(
                {"operation": "GetBlobServiceProperties", "code": info.get("code"), "message": ""}
            )
    policy, info = _call(cc.get_container_access_policy)
    if policy is None:
        snap["errors"].append({"operation": "GetContainerACL", "code": info.get("code"), "message": ""})
    else:
        stored = []
        for si in policy.get("signed_identifiers") or []:
            ap = getattr(si, "access_policy", None)
            stored.append(
                {
                    "id": si.id,
                    "permission": getattr(ap, "permission", None),
                    "start": str(getattr(ap, "start", None) or "") or None,
                    "expiry": str(getattr(ap, "expiry", None) or "") or None,
                }
            )
        snap["container_settings"] = {
            "publicAccess": policy.get("public_access") or "off",
            "storedAccessPolicies": stored,
        }
    return snap


def probe_container(
    account: str,
    container: str,
    *,
    account_url: str | None = None,
    key: str | None = None,
    test_write: bool = False,
) -> dict[str, Any]:
    """Anonymous list/read (and opt-in write) against one container; the S3 probe's result shape."""
    from phiscope.exposure import cloud_probe as step

    target = f"az://{account}/{container}"
    out: dict[str, Any] = {"target": target, "bucket": f"{account}/{container}", "provider": "azure"}
    try:
        client = make_service_client(account, account_url=account_url, anonymous=True, client_kw=PROBE_KW)
        store = AzureStore(account, anonymous=True, client=client)
    except Exception as e:
        code, status = _code(e)
        return step.failed(out, code, classify(code, status))
    out["endpoint_url"] = store.endpoint
    cc = store.client.get_container_client(container)
    res: dict[str, Any] = {}

    def first_page() -> list[Any]:
        pages = cc.list_blobs(results_per_page=LIST_MAX).by_page()
        return list(next(pages, []))

    blobs, info = _call(first_page)
    key = step.list_step(blobs, info, key)
    res["list"] = info
    res["read"] = step.read_step(
        _call, key, lambda k: cc.get_blob_client(k).download_blob(offset=0, length=1).readall()
    )
    res["read_acl"] = {"outcome": "skipped", "why": "Azure never serves container ACLs to anonymous callers"}
    res["write"] = step.write_step(_call, test_write, cc.upload_blob, cc.delete_blob, "blob")
    # Anonymous denials prove nothing in Azure: a private and a missing container answer alike.
    return step.conclude(out, res, ("allowed", "NoSuchKey"))
