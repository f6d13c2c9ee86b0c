"""CSV: one row per bucket exposure finding (family "exposure": who can do what, why), then one row
per (object, detection type) with counts, locations and masked examples (family "data").

For spreadsheets and ticket imports. `;` as delimiter for locales whose spreadsheets expect it. Cells
that a spreadsheet would run as a formula (=, +, -, @, tab, CR) are prefixed with a quote (OWASP
CSV-injection advice): object keys come from whoever could write to the bucket.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

from phiscope.json_types import ReportV1
from phiscope.report.findings import Finding, iter_findings, location_text, text_of

COLUMNS = (
    "scan_id",
    "severity",
    "bucket",
    "key",
    "uri",
    "size",
    "content_type",
    "status",
    "readable_by",
    "type",
    "category",
    "count",
    "confidence",
    "locations",
    "masked_examples",
    "muted",
    "mute_reason",
    "finding_id",
    "family",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v: Any) -> str:
    if v is None:
        return ""
    s = str(v)
    if s and s[0] in _FORMULA:
        return "'" + s
    return s


def rows(report: ReportV1, findings: Iterable[Finding] | None = None) -> Iterable[list[str]]:
    scan_id = (report.get("scan") or {}).get("id", "")
    for f in findings if findings is not None else iter_findings(report):
        if f.family == "exposure":
            yield _exposure_row(scan_id, f)
            continue
        o = f.obj or {}
        locs = "; ".join(t for t in (location_text(loc) for loc in f.locations) if t)
        yield [
            safe_cell(v)
            for v in (
                scan_id,
                f.severity,
                f.bucket,
                f.key,
                f.uri,
                o.get("size"),
                o.get("content_type"),
                o.get("status"),
                f.exposure,
                f.kind,
                f.category,
                f.count,
                "" if f.confidence is None else f"{float(f.confidence):.2f}",
                locs,
                " | ".join(f.masked_examples),
                "yes" if f.muted else "no",
                (f.muted or {}).get("reason"),
                f.uid,
                "data",
            )
        ]


def _exposure_row(scan_id: str, f: Finding) -> list[str]:
    """A bucket exposure finding: `type` is the kind (anonymous:read, latent, unverified...), the
    `locations` cell the short reasons from the exposure evaluation."""
    b = f.bucket_row or {}
    exp = b.get("exposure") or {}
    why = exp.get("latent") if f.kind == "latent" else exp.get("reasons")
    if f.kind == "unverified":
        why = b.get("exposure_errors")
    reasons = "; ".join(text_of(r) for r in (why or [])[:5])
    return [
        safe_cell(v)
        for v in (
            scan_id,
            f.severity,
            f.bucket,
            "",
            f.uri,
            "",
            "",
            b.get("verdict") or "",
            f.exposure,
            f.kind,
            "exposure",
            1,
            "",
            reasons[:2000],
            "",
            "yes" if f.muted else "no",
            (f.muted or {}).get("reason"),
            f.uid,
            "exposure",
        )
    ]


def write_csv(
    report: ReportV1, fh: IO[str], *, delimiter: str = ",", findings: Iterable[Finding] | None = None
) -> int:
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"CSV delimiter must be one character other than a quote or newline, not {delimiter!r}"
        )
    w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(COLUMNS)
    n = 0
    for r in rows(report, findings):
        w.writerow(r)
        n += 1
    return n


def to_csv(report: ReportV1, *, delimiter: str = ",") -> str:
    buf = io.StringIO()
    write_csv(report, buf, delimiter=delimiter)
    return buf.getvalue()
