"""OCSF 1.5.0 events: exposure findings as Detection Finding (2004), data findings as Data Security
Finding (2006), with the `cloud` profile. A JSON array of events, like Prowler's OCSF output, ready for
Security Lake, a SIEM or Security Hub's OCSF ingestion.

The compliance mapping goes in `unmapped.compliance` (neither class has a `compliance` attribute in
OCSF 1.5.0); masked examples and PHIscope locations that OCSF's occurrence_details cannot hold (audio
times, archive members, HL7 fields) go in `unmapped` too. No raw value is ever written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from phiscope.json_types import ReportV1
from phiscope.report.compliance import requirements_for
from phiscope.report.findings import AUDIENCE_TEXT, CAPABILITY_TEXT, Finding, cap1, iter_findings, text_of
from phiscope.report.provider import (
    bucket_type,
    bucket_uid,
    cloud_provider,
    databucket_type,
    object_type,
    object_uid,
    provider_of,
)

OCSF_VERSION = "1.5.0"
SEVERITY_ID = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
SEVERITY_NAME = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
# data_security.category_id: 1 Personal, 3 Financial, 99 Other
CATEGORY_ID = {"identity": 1, "contact": 1, "health": 1, "financial": 3}
CATEGORY_NAME = {1: "Personal", 3: "Financial", 99: "Other"}
DETECTION_SYSTEM_ID = 4  # Data Discovery & Classification
DATA_AT_REST = 1
CONFIDENTIALITY_RESTRICTED = 6


def _ms(iso: str | None) -> int:
    if not iso:
        return 0
    try:
        return int(datetime.fromisoformat(iso).timestamp() * 1000)
    except ValueError:
        return 0


def _confidence(c: float | None) -> tuple[int, str]:
    if c is None:
        return 0, "Unknown"
    if c >= 0.85:
        return 3, "High"
    if c >= 0.5:
        return 2, "Medium"
    return 1, "Low"


def occurrence(loc: dict[str, Any]) -> dict[str, Any] | None:
    """PHIscope location → OCSF occurrence_details, or None when OCSF has no field for it."""
    out: dict[str, Any] = {}
    if loc.get("row") is not None:
        out["row_number"] = int(loc["row"])
    if loc.get("column"):
        out["column_name"] = str(loc["column"])
    if loc.get("column_index") is not None:
        out["column_number"] = int(loc["column_index"]) + 1
    if loc.get("page") is not None:
        out["page_number"] = int(loc["page"])
    if loc.get("line") is not None:
        out["start_line"] = out["end_line"] = int(loc["line"])
    if loc.get("json_path"):
        out["json_path"] = str(loc["json_path"])
    if loc.get("sheet") and loc.get("row") is not None and loc.get("column_index") is not None:
        out["cell_name"] = f"{loc['sheet']}!{_col_letters(int(loc['column_index']))}{loc['row']}"
    return out or None


def _col_letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


class _Ctx:
    def __init__(self, report: ReportV1) -> None:
        scan = report.get("scan") or {}
        self.scan = scan
        self.time = _ms(scan.get("finished_at") or scan.get("started_at"))
        self.start = _ms(scan.get("started_at"))
        self.endpoint = scan.get("endpoint")
        self.metadata = {
            "version": OCSF_VERSION,
            "product": {
                "name": "PHIscope",
                "vendor_name": "PHIscope",
                "version": str(scan.get("phiscope_version") or ""),
                "uid": "phiscope",
            },
            "profiles": ["cloud"],
            "log_name": "phiscope-scan",
            "correlation_uid": str(scan.get("id") or ""),
        }


def _base(f: Finding, ctx: _Ctx, class_uid: int, class_name: str, region: str | None) -> dict[str, Any]:
    sev = SEVERITY_ID.get(f.severity, 0)
    muted = f.muted is not None
    ev: dict[str, Any] = {
        "class_uid": class_uid,
        "class_name": class_name,
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": class_uid * 100 + 1,
        "type_name": f"{class_name}: Create",
        "time": ctx.time,
        "start_time": ctx.start,
        "end_time": ctx.time,
        "severity_id": sev,
        "severity": SEVERITY_NAME.get(sev, "Unknown"),
        "status_id": 3 if muted else 1,
        "status": "Suppressed" if muted else "New",
        "message": f.title,
        "metadata": dict(ctx.metadata, event_code=f.kind),
        "cloud": {"provider": cloud_provider(f.bucket_row, ctx.endpoint)},
    }
    acct = (f.bucket_row or {}).get("account_id")
    if acct:
        ev["cloud"]["account"] = {"uid": str(acct), "type": "AWS Account", "type_id": 10}
    if region:
        ev["cloud"]["region"] = region
    unmapped: dict[str, Any] = {"compliance": requirements_for(f.tags), "finding_kinds": f.tags}
    if muted:
        unmapped["muted"] = f.muted
        ev["status_detail"] = f"muted: {f.muted.get('reason')}" if f.muted else "muted"
    ev["unmapped"] = unmapped
    return ev


def _bucket_resource(name: str, region: str | None, row: Mapping[str, Any] | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"uid": bucket_uid(row, name), "name": name, "type": bucket_type(row)}
    if region:
        r["labels"] = [f"region:{region}"]
    return r


def detection_finding(f: Finding, ctx: _Ctx) -> dict[str, Any]:
    b = f.bucket_row or {}
    exp = b.get("exposure") or {}
    region = b.get("region")
    ev = _base(f, ctx, 2004, "Detection Finding", region)
    if f.kind in ("latent", "unverified"):
        desc = f.title
    else:
        aud, cap = f.kind.split(":")
        desc = f"{cap1(AUDIENCE_TEXT[aud])} can {CAPABILITY_TEXT[cap]} in bucket {f.bucket}."
    reasons = [text_of(r) for r in exp.get("reasons") or []]
    if f.kind == "latent":
        reasons = [text_of(r) for r in exp.get("latent") or []]
    elif f.kind == "unverified":
        reasons = [text_of(r) for r in b.get("exposure_errors") or []]
    if reasons:
        desc += " Why: " + "; ".join(reasons)
    ev["finding_info"] = {
        "uid": f.uid,
        "title": f.title,
        "desc": desc[:4000],
        "types": [_exposure_type(b), f.kind],
        "product_uid": "phiscope",
    }
    ev["resources"] = [_bucket_resource(f.bucket, region, f.bucket_row)]
    evidence = exp.get("evidence") or []
    if evidence:
        ev["evidences"] = [{"data": dict(e)} for e in evidence[:20] if isinstance(e, dict)] or None
        if ev["evidences"] is None:
            del ev["evidences"]
    fix = PROVIDER_REMEDIATION.get(provider_of(b), {}).get(f.kind)
    ev["remediation"] = {"desc": fix or _remediation(f.kind)}
    ev["unmapped"]["exposure"] = {
        "policy_is_public": exp.get("policy_is_public"),
        "uncertain": [text_of(u) for u in exp.get("uncertain") or []],
        "people_affected": b.get("people_affected"),
        "contains_phi": b.get("contains_phi"),
        "health": b.get("health"),
    }
    return ev


PROVIDER_REMEDIATION = {
    "azure": {
        "latent": "Set the container's anonymous access level to off; keep allowBlobPublicAccess false.",
        "unverified": "Grant the scanner read access to the container's ACL and account settings; rescan.",
    },
    "gcs": {
        "latent": "Remove allUsers/allAuthenticatedUsers bindings and ACLs; keep public access prevention.",
        "unverified": "Grant the scanner storage.buckets.get and storage.buckets.getIamPolicy and rescan.",
    },
}
for _p, _fix in (
    (
        "azure",
        "Set the container's anonymous access level to off and the account's allowBlobPublicAccess false",
    ),
    ("gcs", "Remove allUsers/allAuthenticatedUsers bindings and ACLs and enforce public access prevention"),
):
    PROVIDER_REMEDIATION[_p].update(
        {
            f"{a}:{c}": f"{_fix} (`phiscope fix`)."
            for a in ("anonymous", "any_account")
            for c in CAPABILITY_TEXT
        }
    )


def _exposure_type(row: Mapping[str, Any]) -> str:
    return "S3 bucket exposure" if provider_of(row) == "s3" else f"{bucket_type(row)} exposure"


def _remediation(kind: str) -> str:
    if kind == "latent":
        return "Remove the public grant itself; keep Block Public Access on at account and bucket level."
    if kind == "unverified":
        return "Grant the scanner s3:GetBucketPolicy, GetBucketAcl and GetBucketPublicAccessBlock and rescan."
    return (
        "Enable S3 Block Public Access (account and bucket), set Object Ownership to BucketOwnerEnforced, "
        "and remove public statements from the bucket policy (`phiscope fix plan`)."
    )


def data_security_finding(f: Finding, ctx: _Ctx) -> dict[str, Any]:
    b = f.bucket_row or {}
    o = f.obj or {}
    region = b.get("region")
    ev = _base(f, ctx, 2006, "Data Security Finding", region)
    cid = CATEGORY_ID.get(f.category or "", 99)
    conf_id, conf_name = _confidence(f.confidence)
    key = f.key or ""
    occurrences = [oc for oc in (occurrence(loc) for loc in f.locations) if oc]
    discovery: dict[str, Any] = {"type": f.kind, "count": f.count}
    if occurrences:
        discovery["occurrences"] = occurrences
    ev["finding_info"] = {
        "uid": f.uid,
        "title": f.title,
        "desc": f"{f.count} occurrence(s) of {f.kind} ({f.category}) in {f.uri}; readable by: {f.exposure}.",
        "types": ["Sensitive data", f.kind],
        "product_uid": "phiscope",
    }
    ev["confidence_id"] = conf_id
    ev["confidence"] = conf_name
    if f.confidence is not None:
        ev["confidence_score"] = round(float(f.confidence) * 100)
    ev["count"] = f.count
    ev["databucket"] = {
        "type_id": databucket_type(f.bucket_row)[0],
        "type": databucket_type(f.bucket_row)[1],
        "name": f.bucket,
        "uid": bucket_uid(f.bucket_row, f.bucket),
        "is_public": b.get("exposure_level") == "public" or f.exposure == "anonymous:read",
    }
    ev["data_security"] = {
        "category_id": cid,
        "category": CATEGORY_NAME[cid],
        "detection_system_id": DETECTION_SYSTEM_ID,
        "detection_system": "Data Discovery & Classification",
        "data_lifecycle_state_id": DATA_AT_REST,
        "data_lifecycle_state": "Data at-Rest",
        "confidentiality_id": CONFIDENTIALITY_RESTRICTED,
        "confidentiality": "Restricted",
        "classifier_details": {"type": "PHIscope detector", "name": f.kind, "uid": f.kind},
        "discovery_details": [discovery],
        "pattern_match": f.kind,
    }
    file: dict[str, Any] = {
        "name": key.rsplit("/", 1)[-1] or key,
        "type_id": 1,
        "type": "Regular File",
        "path": key,
        "uid": f.uri,
    }
    if o.get("size") is not None:
        file["size"] = int(o["size"])
    if o.get("content_type") and "/" in str(o["content_type"]):
        file["mime_type"] = str(o["content_type"])
    ev["file"] = file
    ev["resources"] = [
        {"uid": object_uid(f.bucket_row, f.bucket, key), "name": key, "type": object_type(f.bucket_row)},
        _bucket_resource(f.bucket, region, f.bucket_row),
    ]
    ev["unmapped"].update(
        {
            "category": f.category,
            "masked_examples": list(f.masked_examples),
            "locations": list(f.locations),
            "object_status": o.get("status"),
            "readable_by": f.exposure,
        }
    )
    return ev


def to_ocsf(report: ReportV1, findings: Iterable[Finding] | None = None) -> list[dict[str, Any]]:
    ctx = _Ctx(report)
    out: list[dict[str, Any]] = []
    for f in findings if findings is not None else iter_findings(report):
        out.append(detection_finding(f, ctx) if f.family == "exposure" else data_security_finding(f, ctx))
    return out
