"""SARIF 2.1.0: one rule per detection type and exposure kind, results located at s3://bucket/key.

Regions: `line` -> startLine; a table `row` -> startLine (the data row, 1 = first after the
header), with a byte offset -> byteOffset. The OASIS errata01 schema requires startLine, charOffset
or byteOffset on every region and GitHub code scanning wants startLine, so a location without a line
(a PDF page, an audio time range, a JSON path) has no region: its details go in the location's
property bag and message, so nothing is lost for tools that read it. At most 10 locations per result
(GitHub's limit); every result has `partialFingerprints.primaryLocationLineHash`. Muted findings
carry an external suppression, which GitHub code scanning and the SARIF viewers show as dismissed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from phiscope.json_types import ReportV1
from phiscope.report.compliance import requirements_for
from phiscope.report.findings import (
    AUDIENCE_TEXT,
    CAPABILITY_TEXT,
    Finding,
    cap1,
    iter_findings,
    location_text,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads properties["security-severity"] (CVSS-like 0.0-10.0)
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
MAX_LOCATIONS = 10


def _rule_for(f: Finding) -> dict[str, Any]:
    if f.family == "exposure":
        if f.kind in ("latent", "unverified"):
            text = {
                "latent": "A public grant exists but is blocked (Block Public Access / Object Ownership)",
                "unverified": "Bucket access settings could not be read; exposure unverified",
            }[f.kind]
        else:
            aud, cap = f.kind.split(":")
            text = f"{cap1(AUDIENCE_TEXT[aud])} can {CAPABILITY_TEXT[cap]}"
        rid = f"exposure/{f.kind.replace(':', '/')}"
        tags = ["security", "s3", "exposure"]
    else:
        text = f"{f.kind} ({f.category}) stored in an object"
        rid = f"data/{f.kind}"
        tags = ["security", "privacy", f"category:{f.category}"]
    return {
        "id": rid,
        "name": rid.replace("/", "_"),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text + "."},
        "help": {"text": "See docs/report-formats.md and `phiscope fix plan` for the fix."},
        "defaultConfiguration": {"level": LEVEL.get(f.severity, "warning")},
        "properties": {"tags": tags, "security-severity": SECURITY_SEVERITY.get(f.severity, "5.5")},
    }


def _line(loc: dict[str, Any]) -> int | None:
    for k in ("line", "row"):
        v = loc.get(k)
        if isinstance(v, int | float) and int(v) >= 1:
            return int(v)
    return None


def region(loc: dict[str, Any]) -> dict[str, Any] | None:
    """The SARIF region of a location, or None when it has no line (see the module docstring)."""
    line = _line(loc)
    if line is None:
        return None
    r: dict[str, Any] = {"startLine": line}
    if loc.get("offset") is not None and int(loc["offset"]) >= 0:
        r["byteOffset"] = int(loc["offset"])
    txt = location_text(loc)
    if txt:
        r["message"] = {"text": txt}
    r["properties"] = dict(loc)
    return r


def _location(uri: str, loc: dict[str, Any] | None) -> dict[str, Any]:
    phys: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    out: dict[str, Any] = {"physicalLocation": phys}
    if loc is None:
        return out
    reg = region(loc)
    if reg is not None:
        phys["region"] = reg
    else:
        txt = location_text(loc)
        if txt:
            out["message"] = {"text": txt}
        out["properties"] = dict(loc)
    return out


def line_hash(f: Finding) -> str:
    """GitHub's primaryLocationLineHash: stable per finding (type, object, first line), `hash:1`."""
    import hashlib

    first = f.locations[0] if f.family == "data" and f.locations else {}
    basis = f"{f.family}|{f.kind}|{f.uri}|{_line(first) or 0}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16] + ":1"


def _result(f: Finding, rule_index: int, rule_id: str) -> dict[str, Any]:
    uri = f.uri
    locs: list[dict[str, Any]] = []
    if f.family == "data" and f.locations:
        locs.extend(_location(uri, loc) for loc in f.locations[:MAX_LOCATIONS])
    else:
        locs.append(_location(uri, None))
    if f.family == "data":
        ex = ", ".join(f.masked_examples[:3])
        msg = (
            f"{f.count} × {f.kind} in {uri}"
            + (f" (e.g. {ex})" if ex else "")
            + f"; readable by: {f.exposure}"
        )
    else:
        msg = f.title
    props: dict[str, Any] = {
        "severity": f.severity,
        "bucket": f.bucket,
        "compliance": requirements_for(f.tags),
    }
    if f.family == "data":
        props.update({"count": f.count, "category": f.category, "masked_examples": list(f.masked_examples)})
        if len(f.locations) > MAX_LOCATIONS:
            props["locations_total"] = len(f.locations)
    res: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": msg},
        "locations": locs,
        "partialFingerprints": {"phiscopeFindingId/v1": f.uid, "primaryLocationLineHash": line_hash(f)},
        "properties": props,
    }
    if f.confidence is not None:
        res["rank"] = round(float(f.confidence) * 100, 1)
    if f.muted is not None:
        res["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{f.muted.get('reason')} (owner: {f.muted.get('owner')}, "
                f"expires: {f.muted.get('expires')})",
            }
        ]
    return res


def to_sarif(report: ReportV1, findings: Iterable[Finding] | None = None) -> dict[str, Any]:
    scan = report.get("scan") or {}
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for f in findings if findings is not None else iter_findings(report):
        rid = f"exposure/{f.kind.replace(':', '/')}" if f.family == "exposure" else f"data/{f.kind}"
        i = index.get(rid)
        if i is None:
            i = index[rid] = len(rules)
            rules.append(_rule_for(f))
        else:
            # the rule's default level is its worst result
            cur = rules[i]["defaultConfiguration"]["level"]
            new = LEVEL.get(f.severity, "warning")
            if ("note", "warning", "error").index(new) > ("note", "warning", "error").index(cur):
                rules[i]["defaultConfiguration"]["level"] = new
                rules[i]["properties"]["security-severity"] = SECURITY_SEVERITY[f.severity]
        results.append(_result(f, i, rid))
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "properties": {
            "targets": scan.get("targets") or [],
            "status_counts": scan.get("status_counts") or {},
        },
    }
    if scan.get("started_at"):
        invocation["startTimeUtc"] = scan["started_at"]
    if scan.get("finished_at"):
        invocation["endTimeUtc"] = scan["finished_at"]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "PHIscope",
                        "version": str(scan.get("phiscope_version") or "0"),
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"phiscope/{scan.get('id', '')}"},
                "invocations": [invocation],
                "results": results,
                "properties": {
                    "scan_id": scan.get("id"),
                    "severity": (report.get("impact") or {}).get("severity"),
                },
            }
        ],
    }
