"""Three-valued verdict of one bucket: exposed / not exposed (verified) / could not verify.

Pure: a report bucket (exposure, its errors, the scan mode) in, (verdict, cause, hint) out. A bucket
the scan could not assess is never "private": no such bucket, an unreachable endpoint, missing or
rejected credentials, or every settings read denied all give "could_not_verify" with the cause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

EXPOSED = "exposed"
NOT_EXPOSED = "not_exposed"
COULD_NOT_VERIFY = "could_not_verify"
LOCAL = "local"  # a folder or file: no network exposure to assess

# (patterns, cause, hint); NoSuchBucketPolicy (no policy) is not NoSuchBucket
_CAUSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        (r"NoSuchBucket(?!Policy)", "does not exist", "no such bucket"),
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
_LISTING_HINT = "what was listed before the failure was scanned; grant s3:ListBucket and scan again"
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
        found = re.compile("|".join(needles), re.IGNORECASE)  # patterns: words, bar one lookahead
        # the account-level API (s3control) answering NoSuchBucket: an endpoint without that API,
        # not a missing bucket
        if any(
            found.search(t) for t in texts if not (cause == "no such bucket" and t.startswith("s3control:"))
        ):
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
    listing = next((t for t in texts if t.startswith("listing failed")), None)
    if listing is not None:  # objects after the failure were never seen: the bucket was not all checked
        return COULD_NOT_VERIFY, found[0] if found else listing, found[1] if found else _LISTING_HINT
    denied = _settings_all_denied(bucket)
    if denied is not None and not _probe_definite(exposure):
        return (
            COULD_NOT_VERIFY,
            f"every settings read was denied ({denied})",
            "grant the read permissions in docs/permissions.md",
        )
    unread = exposure.get("unread") or []
    if unread and not _probe_definite(exposure):  # a grant may sit in what could not be read
        return COULD_NOT_VERIFY, str(unread[0]), "grant the read permissions in docs/permissions.md"
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
