"""Verify a fix from outside: re-collect the settings, re-evaluate them, probe anonymously.

The verdict comes from the re-evaluated settings (the rules AWS enforces): closed = no capability for
anonymous users or any AWS account. The anonymous probe is evidence beside it. On AWS a probe that
still gets data means the fix did not take (an access point, a second policy path, a cache); but
S3-compatible test servers such as moto never enforce access control, so the probe decides the
verdict only when `trust_probe` is set (the default for AWS itself, where endpoint_url is None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from phiscope.remediate.plan import is_closed, open_capabilities

_OPEN_WORDS = ("list", "read", "write", "listable", "readable", "writable", "get", "put")


def probe_is_open(result: Any) -> bool | None:
    """Whether a probe result shows any anonymous access (None when it cannot tell).

    Reads the probe's own verdict fields when present (`exposed`/`public`/`accessible`), else any
    capability flag set to True.
    """
    if not isinstance(result, dict):
        return None
    for k in ("exposed", "public", "accessible", "open"):
        if isinstance(result.get(k), bool):
            return bool(result[k])
    seen = False
    stack: list[Any] = [result.get("access", result)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, bool) and any(w == str(k).lower() for w in _OPEN_WORDS):
                    seen = True
                    if v:
                        return True
                elif isinstance(v, dict):
                    stack.append(v)
    return False if seen else None


def summarise_evaluation(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "public": evaluation.get("public"),
        "policy_is_public": evaluation.get("policy_is_public"),
        "access": evaluation.get("access"),
        "reasons": list(evaluation.get("reasons") or []),
        "latent": list(evaluation.get("latent") or []),
        "uncertain": list(evaluation.get("uncertain") or []),
    }


# Unreadable ACLs or policy hide grants; unreadable BPA/ownership are already assumed off by the engine.
_HIDING_OPERATIONS = {"getbucketacl", "getbucketpolicy", "getobjectacl"}


def error_text(e: Any) -> str:
    if isinstance(e, dict):
        return f"{e.get('operation') or '?'}: {e.get('code') or ''} {e.get('message') or ''}".strip()
    return str(e)


def hiding_errors(errors: list[Any]) -> list[str]:
    """Snapshot errors that leave grants unknown (they block a 'closed' verdict)."""
    return [
        error_text(e)
        for e in errors
        if not isinstance(e, dict) or str(e.get("operation", "")).lower() in _HIDING_OPERATIONS
    ]


def verdict(
    evaluation: Mapping[str, Any],
    probe_open: bool | None,
    *,
    trust_probe: bool,
    snapshot_errors: list[str],
    probe_summary: str | None = None,
) -> tuple[str, list[str]]:
    """('closed' | 'still exposed', evidence lines)."""
    evidence: list[str] = []
    left = open_capabilities(evaluation)
    if left:
        evidence.append(f"settings still grant: {', '.join(left)}")
        evidence.extend(str(r) for r in (evaluation.get("reasons") or [])[:8])
    else:
        evidence.append("settings: no capability left for anonymous users or any AWS account")
    if snapshot_errors:
        evidence.append(f"settings that could not be read: {'; '.join(snapshot_errors)}")
    detail = f": {probe_summary}" if probe_summary else ""
    if probe_open is True:
        evidence.append(
            f"anonymous probe still got an answer{detail}"
            + ("" if trust_probe else " (endpoint not trusted to enforce access control; not decisive)")
        )
    elif probe_open is False:
        evidence.append(f"anonymous probe: denied{detail}")
    else:
        evidence.append(f"anonymous probe: no verdict{detail}")
    closed = is_closed(evaluation) and not snapshot_errors and not (trust_probe and probe_open is True)
    return ("closed" if closed else "still exposed"), evidence


def verify_bucket(
    s3: Any,
    bucket: str,
    *,
    s3control: Any = None,
    account_id: str | None = None,
    object_keys: list[str] | None = None,
    endpoint_url: str | None = None,
    probe: bool = True,
    trust_probe: bool | None = None,
    probe_fn: Callable[..., dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Re-collect, re-evaluate and probe one bucket; the result is what gets stored and printed."""
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import collect_snapshot

    if trust_probe is None:
        trust_probe = endpoint_url is None
    snap = collect_snapshot(s3, bucket, s3control=s3control, account_id=account_id, object_keys=object_keys)
    raw_errors = list(snap.get("errors") or [])
    errors = hiding_errors(raw_errors)
    evaluation = evaluate_snapshot(snap)
    probe_result: dict[str, Any] | None = None
    probe_open: bool | None = None
    if probe:
        try:
            if probe_fn is None:
                from phiscope.exposure.probe import probe_bucket

                probe_fn = probe_bucket
            key = object_keys[0] if object_keys else None
            probe_result = probe_fn(bucket, endpoint_url=endpoint_url, key=key)
            probe_open = probe_is_open(probe_result)
        except Exception as e:  # the probe is evidence; its failure must not hide the settings verdict
            probe_result = {"error": f"{type(e).__name__}: {e}"}
    summary = (probe_result or {}).get("summary") or (probe_result or {}).get("error")
    status, evidence = verdict(
        evaluation,
        probe_open,
        trust_probe=trust_probe,
        snapshot_errors=errors,
        probe_summary=str(summary) if summary else None,
    )
    return {
        "bucket": bucket,
        "status": status,
        "verified_at": datetime.now(UTC).isoformat(),
        "evidence": evidence,
        "evaluation": summarise_evaluation(evaluation),
        "snapshot_errors": [error_text(e) for e in raw_errors],
        "probe": probe_result,
        "probe_open": probe_open,
        "probe_trusted": trust_probe,
    }
