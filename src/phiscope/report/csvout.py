"""CSV: one row per (object, detection type) with counts, locations and masked examples.

For spreadsheets and ticket imports. `;` as delimiter for locales whose spreadsheets expect it. Cells
that a spreadsheet would run as a formula (=, +, -, @, tab, CR) are prefixed with a quote (OWASP
CSV-injection advice): object keys come from whoever could write to the bucket.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

from phiscope.report.findings import Finding, iter_findings, location_text

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
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v: Any) -> str:
    if v is None:
        return ""
    s = str(v)
    if s and s[0] in _FORMULA:
        return "'" + s
    return s


def rows(report: dict[str, Any], findings: Iterable[Finding] | None = None) -> Iterable[list[str]]:
    scan_id = (report.get("scan") or {}).get("id", "")
    for f in findings if findings is not None else iter_findings(report, exposure=False):
        if f.family != "data":
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
            )
        ]


def write_csv(
    report: dict[str, Any], fh: IO[str], *, delimiter: str = ",", findings: Iterable[Finding] | None = None
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


def to_csv(report: dict[str, Any], *, delimiter: str = ",") -> str:
    buf = io.StringIO()
    write_csv(report, buf, delimiter=delimiter)
    return buf.getvalue()
