"""Report v1 → a flat list of findings, the one view every machine format and the exit code share.

Two finding families:
- exposure findings, one per bucket and exposure kind `<audience>:<capability>` (only the widest
  audience per capability: any_aws_account repeats what anonymous can do), plus `latent` (a public
  grant blocked by Block Public Access or Object Ownership) and `unverified` (settings that could not
  be read, never read as private);
- data findings, one per (object, detection type).

Severity comes from impact.severity's exposure × sensitivity table, so a finding is never rated
differently from its bucket by a second rule. Finding ids are stable across scans (a hash of what the
finding is about, not of when it was found) so scan-to-scan diffs and SIEM de-duplication work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from phiscope.exposure.conditions import ALL_AUDIENCES as AUDIENCES
from phiscope.exposure.evaluate import CAPABILITIES
from phiscope.impact.severity import LEVELS as LEVELS
from phiscope.impact.severity import bucket_severity, exposure_level, sev_rank
from phiscope.json_types import ReportV1
from phiscope.report.provider import object_uri

PERSON_CATEGORIES = frozenset({"identity", "contact", "financial"})

AUDIENCE_TEXT = {
    "anonymous": "anyone on the internet",
    "any_aws_account": "any AWS account holder",
    # Azure/GCS verdicts; only GCS's allAuthenticatedUsers reaches it without anonymous access too
    "any_account": "any Google account holder",
}
CAPABILITY_TEXT = {
    "list": "list the object keys",
    "read": "read (download) objects",
    "write": "create, overwrite or delete objects",
    "read_acl": "read the access control list",
    "write_acl": "rewrite the access control list (take control of the bucket)",
    "admin": "rewrite the bucket's configuration (policy, Block Public Access, ownership) or delete it",
}


def max_sev(*levels: str) -> str:
    return max(levels, key=sev_rank) if levels else "info"


def stable_uid(*parts: str) -> str:
    """A finding id that only depends on what the finding is about."""
    return hashlib.sha256("\x1f".join(("phiscope", *parts)).encode()).hexdigest()[:32]


def exposure_kinds(exposure: dict[str, Any] | None) -> list[str]:
    """Effective kinds `<audience>:<capability>`, widest audience only."""
    if not exposure:
        return []
    access = exposure.get("access") or {}
    out: list[str] = []
    for cap in CAPABILITIES:
        for aud in AUDIENCES:
            if (access.get(aud) or {}).get(cap):
                out.append(f"{aud}:{cap}")
                break
    return out


DATA_REACH = ("read", "write_acl", "admin", "list")


def data_exposure_kind(exposure: dict[str, Any] | None) -> str:
    """How outsiders reach a bucket's data: `<audience>:read`, `<audience>:write_acl` (can grant
    themselves read), `<audience>:list` (key names only), or `private`. Widest audience first."""
    access = (exposure or {}).get("access") or {}
    for aud in AUDIENCES:
        a = access.get(aud) or {}
        for cap in DATA_REACH:
            if a.get(cap):
                return f"{aud}:{cap}"
    return "private"


def cap1(s: str) -> str:
    return s[:1].upper() + s[1:]


def text_of(item: Any) -> str:
    """Reasons/latent/uncertain entries may be strings or dicts; show either as one line."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for k in ("text", "reason", "message"):
            if isinstance(item.get(k), str):
                return item[k]
        return ", ".join(f"{k}={v}" for k, v in item.items())
    return str(item)


@dataclass(slots=True)
class Finding:
    family: str  # exposure | data
    uid: str
    severity: str
    bucket: str
    kind: str  # exposure kind (anonymous:read, latent, unverified) or detection type (US_SSN)
    title: str
    key: str | None = None
    category: str | None = None
    count: int = 1
    confidence: float | None = None
    locations: list[dict[str, Any]] = field(default_factory=list)
    masked_examples: list[str] = field(default_factory=list)
    muted: dict[str, Any] | None = None
    exposure: str = "private"  # data findings: how the data can be read (data_exposure_kind)
    tags: list[str] = field(default_factory=list)  # compliance finding kinds (see compliance.py)
    obj: Mapping[str, Any] | None = None
    bucket_row: Mapping[str, Any] | None = None

    @property
    def uri(self) -> str:
        return object_uri(self.bucket_row, self.bucket, self.key)


class _BucketCtx:
    """Per-bucket facts computed once, so the per-detection loop stays cheap."""

    __slots__ = ("data_kind", "endpoint", "exposure", "level", "provider", "row", "sev_cache")

    def __init__(self, row: Mapping[str, Any] | None) -> None:
        from phiscope.storage.providers import provider_of

        self.row = row
        self.endpoint = (row or {}).get("endpoint")
        self.provider = str((row or {}).get("provider") or provider_of(self.endpoint))
        self.exposure = (row or {}).get("exposure")
        self.level = exposure_level(self.exposure)
        self.data_kind = data_exposure_kind(self.exposure)
        self.sev_cache: dict[tuple[bool, bool], str] = {}

    def uri(self, bucket: str, key: str) -> str:
        from phiscope.storage.providers import object_uri

        return object_uri(self.provider, self.endpoint, bucket, key)

    def data_severity(self, phi: bool, health: bool) -> str:
        k = (phi, health)
        if k not in self.sev_cache:
            self.sev_cache[k] = bucket_severity(self.exposure, contains_phi=phi, health=health, people=0)
        return self.sev_cache[k]


def exposure_findings(bucket: Mapping[str, Any]) -> list[Finding]:
    name = bucket["name"]
    exp = bucket.get("exposure") or {}
    sev = bucket.get("severity") or "info"
    phi_exposed = bool(bucket.get("contains_phi") and bucket.get("health"))
    muted_kinds = exp.get("muted_kinds") or {}
    out: list[Finding] = []
    for kind in exposure_kinds(exp):
        aud, cap = kind.split(":")
        s = sev
        if cap in ("write_acl", "admin"):
            s = "critical"  # an escalation path: whoever rewrites the ACL owns the bucket
        elif cap == "write":
            s = max_sev(s, "high")
        tags = ["exposure", f"exposure:{kind}", f"exposure:{aud}:*"]
        if phi_exposed and cap in ("read", "list"):
            tags.append("phi-exposed")
        out.append(
            Finding(
                family="exposure",
                uid=stable_uid("exposure", name, kind),
                severity=s,
                bucket=name,
                kind=kind,
                title=f"{cap1(AUDIENCE_TEXT[aud])} can {CAPABILITY_TEXT[cap]} in {name}",
                muted=muted_kinds.get(kind),
                exposure=kind,
                tags=tags,
                bucket_row=bucket,
            )
        )
    if exp.get("latent"):
        latent_sev = bucket_severity(
            {"latent": exp["latent"]},
            contains_phi=bool(bucket.get("contains_phi")),
            health=bool(bucket.get("health")),
            people=0,
        )
        out.append(
            Finding(
                family="exposure",
                uid=stable_uid("exposure", name, "latent"),
                severity=latent_sev,
                bucket=name,
                kind="latent",
                title=f"A public grant on {name} is blocked today but would apply if the block were lifted",
                muted=muted_kinds.get("latent"),
                exposure="latent",
                tags=["exposure", "exposure:latent"],
                bucket_row=bucket,
            )
        )
    if bucket.get("exposure_errors"):
        out.append(
            Finding(
                family="exposure",
                uid=stable_uid("exposure", name, "unverified"),
                severity="medium" if bucket.get("contains_phi") else "low",
                bucket=name,
                kind="unverified",
                title=f"Some access settings of {name} could not be read; exposure is unverified",
                muted=muted_kinds.get("unverified"),
                exposure="unverified",
                tags=["exposure", "exposure:unverified"],
                bucket_row=bucket,
            )
        )
    return out


def data_tags(category: str, dtype: str, health: bool, phi: bool, data_kind: str) -> list[str]:
    tags = ["data", f"data:{category}", f"data:type:{dtype}"]
    if data_kind.endswith((":read", ":write_acl", ":admin")):
        tags.append("data:exposed")
        if phi and health:
            tags.append("phi-exposed")
    return tags


def iter_findings(report: ReportV1, *, data: bool = True, exposure: bool = True) -> Iterator[Finding]:
    """Every finding of a report: exposure findings first (per bucket), then data findings."""
    buckets = report.get("buckets") or []
    if exposure:
        for b in buckets:
            yield from exposure_findings(b)
    if not data:
        return
    ctx: dict[str, _BucketCtx] = {b["name"]: _BucketCtx(b) for b in buckets}
    for o in report.get("objects") or []:
        dets = o.get("detections") or ()
        if not dets:
            continue
        bname = o["bucket"]
        c = ctx.get(bname)
        if c is None:
            c = ctx[bname] = _BucketCtx(None)
        health = bool(o.get("health"))
        for d in dets:
            cat = d.get("category") or "identity"
            phi = cat in PERSON_CATEGORIES
            yield Finding(
                family="data",
                uid=stable_uid("data", bname, o["key"], d["type"]),
                severity=c.data_severity(phi, health),
                bucket=bname,
                kind=d["type"],
                title=f"{d['type']} found in {object_uri(c.row, bname, o['key'])}",
                key=o["key"],
                category=cat,
                count=int(d.get("count") or 0),
                confidence=d.get("confidence"),
                locations=d.get("locations") or [],
                masked_examples=d.get("masked_examples") or [],
                muted=d.get("muted"),
                exposure=c.data_kind,
                tags=data_tags(cat, d["type"], health, bool(o.get("contains_phi")), c.data_kind),
                obj=o,
                bucket_row=c.row,
            )


def location_text(loc: dict[str, Any]) -> str:
    """One location as a person reads it: `page 2, line 14` / `row 812, column ssn` / `0:03.2-0:06.9`."""
    parts: list[str] = []
    if loc.get("member"):
        parts.append(f"in {loc['member']}")
    if loc.get("sheet"):
        parts.append(f"sheet {loc['sheet']}")
    if loc.get("page") is not None:
        parts.append(f"page {loc['page']}")
    if loc.get("field"):
        parts.append(f"field '{loc['field']}'")
    if loc.get("row") is not None:
        parts.append(f"row {loc['row']}")
    if loc.get("column"):
        parts.append(f"column {loc['column']}")
    elif loc.get("column_index") is not None:
        parts.append(f"column #{loc['column_index'] + 1}")
    if loc.get("line") is not None:
        parts.append(f"line {loc['line']}")
    if loc.get("json_path"):
        parts.append(str(loc["json_path"]))
    if loc.get("hl7"):
        parts.append(str(loc["hl7"]))
    if loc.get("dicom_tag"):
        parts.append(str(loc["dicom_tag"]))
    if loc.get("start_s") is not None:
        end = loc.get("end_s")
        parts.append(_clock(loc["start_s"]) + (f"-{_clock(end)}" if end is not None else ""))
    if loc.get("bbox"):
        parts.append("box " + "x".join(str(v) for v in loc["bbox"]))
    if not parts and loc.get("offset") is not None:
        parts.append(f"byte {loc['offset']}")
    return ", ".join(parts)


def _clock(s: float) -> str:
    m, sec = divmod(float(s), 60)
    return f"{int(m)}:{sec:04.1f}"
