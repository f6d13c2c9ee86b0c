"""Three-valued verdict of one bucket: exposed / not exposed (verified) / could not verify.

Pure: a report bucket (exposure, its errors, the scan mode) in, (verdict, cause, hint) out. A bucket
the scan could not assess is never "private": no such bucket, an unreachable endpoint, missing or
rejected credentials, or every settings read denied all give "could_not_verify" with the cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXPOSED = "exposed"
NOT_EXPOSED = "not_exposed"
COULD_NOT_VERIFY = "could_not_verify"
LOCAL = "local"  # a folder or file: no network exposure to assess

_CAUSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("NoSuchBucket", "does not exist", "no such bucket"),
        "no such bucket",
        "check the bucket name (and --endpoint-url)",
    ),
    (
        ("EndpointConnectionError", "ConnectTimeout", "unreachable", "ConnectionClosedError"),
        "endpoint unreachable",
        "check --endpoint-url, the network and the port",
    ),
    (
        ("NoCredentials", "no credentials", "PartialCredentials", "ProfileNotFound"),
        "no credentials",
        "configure AWS credentials (profile, env vars or role) or pass --anonymous",
    ),
    (
        ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidCredentials", "ExpiredToken", "InvalidToken"),
        "credentials rejected",
        "check the access key / secret / session token for this endpoint",
    ),
)
_DENIED = ("AccessDenied", "403", "AllAccessDisabled")
_SETTINGS = ("GetBucketAcl", "GetBucketPolicy")


def _texts(bucket: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for e in bucket.get("exposure_errors") or []:
        if isinstance(e, dict):
            out.append(f"{e.get('operation', '')} {e.get('code', '')} {e.get('message', '')}")
        else:
            out.append(str(e))
    probe = (bucket.get("exposure") or {}).get("probe") or {}
    for tests in (probe.get("audiences") or {}).values():
        for r in (tests or {}).values():
            if isinstance(r, dict) and r.get("outcome") not in (None, "allowed", "skipped"):
                out.append(f"probe {r.get('outcome')} {r.get('code', '')}")
    return out


def _cause(texts: list[str]) -> tuple[str, str] | None:
    for needles, cause, hint in _CAUSES:
        if any(n.lower() in t.lower() for t in texts for n in needles):
            return cause, hint
    return None


def _settings_all_denied(bucket: Mapping[str, Any]) -> str | None:
    errs = [e for e in bucket.get("exposure_errors") or [] if isinstance(e, dict)]
    codes = {str(e.get("operation")): str(e.get("code")) for e in errs}
    if all(op in codes for op in _SETTINGS):
        return "/".join(sorted({codes[op] for op in _SETTINGS}))
    return None


def _probe_definite(exposure: dict[str, Any]) -> bool:
    """Did the live probe get a definite answer (allowed or denied) to at least one request?"""
    probe = exposure.get("probe") or {}
    for tests in (probe.get("audiences") or {}).values():
        for r in (tests or {}).values():
            if isinstance(r, dict) and r.get("outcome") in ("allowed", "AccessDenied", "AllAccessDisabled"):
                return True
    return False


def bucket_verdict(bucket: Mapping[str, Any], mode: str | None) -> tuple[str, str | None, str | None]:
    """(verdict, cause, hint) for a report bucket."""
    exposure = bucket.get("exposure")
    if isinstance(exposure, dict) and exposure.get("public"):
        return EXPOSED, None, None
    if mode == "local" or bucket.get("provider") == LOCAL:  # a folder, also beside cloud targets
        return LOCAL, None, None
    texts = _texts(bucket)
    found = _cause(texts)
    if exposure is None:
        cause, hint = found or (
            (texts[0] if texts else "exposure not assessed"),
            "rerun with --debug, or check permissions (docs/permissions.md)",
        )
        return COULD_NOT_VERIFY, cause, hint
    if found and found[0] in ("no such bucket", "endpoint unreachable"):
        return COULD_NOT_VERIFY, found[0], found[1]
    denied = _settings_all_denied(bucket)
    if denied is not None and not _probe_definite(exposure):
        return (
            COULD_NOT_VERIFY,
            f"every settings read was denied ({denied})",
            "grant the read permissions in docs/permissions.md",
        )
    if mode == "anonymous" and not _probe_definite(exposure):
        cause, hint = found or ("no request got a definite answer", "check the endpoint and bucket name")
        return COULD_NOT_VERIFY, cause, hint
    return NOT_EXPOSED, None, None


def describe(verdict: str) -> str:
    return {
        EXPOSED: "exposed",
        NOT_EXPOSED: "not exposed (verified)",
        COULD_NOT_VERIFY: "COULD NOT VERIFY",
        LOCAL: "local (no network exposure)",
    }.get(verdict, verdict)
