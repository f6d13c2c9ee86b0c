"""What changed between two scans: new, still open and resolved findings, by stable finding id.

Pure functions over report v1 objects (scan/report.py) and their findings (report/findings.py), so
`phiscope diff`, `phiscope watch` and the dashboard's scan diff agree on what "new" means. A finding
is identified by its stable id only; a change of severity (a bucket that became public raises its
data findings) is reported as `changed`, not as new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from phiscope.json_types import ReportV1
from phiscope.report.findings import Finding, iter_findings, sev_rank


class HasUid(Protocol):
    @property
    def uid(self) -> str: ...

    @property
    def severity(self) -> str: ...


@dataclass(slots=True)
class FindingsDiff:
    """Finding ids grouped by what happened to them between the old and the new set."""

    new: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # still open, severity moved

    @property
    def empty(self) -> bool:
        return not (self.new or self.resolved or self.changed)


def diff_findings(old: Mapping[str, HasUid], new: Mapping[str, HasUid]) -> FindingsDiff:
    """Compare two sets of findings keyed by id. Output lists are sorted (deterministic)."""
    d = FindingsDiff()
    for uid in sorted(new):
        if uid not in old:
            d.new.append(uid)
        else:
            d.still_open.append(uid)
            if sev_rank(old[uid].severity) != sev_rank(new[uid].severity):
                d.changed.append(uid)
    d.resolved = sorted(uid for uid in old if uid not in new)
    return d


def by_uid(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings keyed by id, muted ones left out (a muted finding is neither new nor resolved)."""
    return {f.uid: f for f in findings if f.muted is None}


def diff_reports(old: ReportV1, new: ReportV1) -> tuple[FindingsDiff, dict[str, Finding]]:
    """The diff of two report v1 objects, and every finding of both (new wins) for display."""
    a, b = by_uid(iter_findings(old)), by_uid(iter_findings(new))
    return diff_findings(a, b), {**a, **b}


def findings_in(d: FindingsDiff, everything: Mapping[str, Finding], group: str) -> list[Finding]:
    """The findings of one group of a diff (`new`, `still_open`, `resolved`, `changed`), in id
    order: what a listing shows, whatever shape it gives them."""
    return [everything[uid] for uid in getattr(d, group)]


def diff_summary(old: ReportV1, new: ReportV1) -> dict[str, Any]:
    """A JSON-ready diff: ids with title, severity and where, never a detected value."""
    d, everything = diff_reports(old, new)

    def row(f: Finding) -> dict[str, Any]:
        return {
            "id": f.uid,
            "family": f.family,
            "severity": f.severity,
            "bucket": f.bucket,
            "key": f.key,
            "kind": f.kind,
            "title": f.title,
        }

    return {
        "schema": "phiscope/diff/v1",
        "old_scan": (old.get("scan") or {}).get("id"),
        "new_scan": (new.get("scan") or {}).get("id"),
        "counts": {
            "new": len(d.new),
            "still_open": len(d.still_open),
            "resolved": len(d.resolved),
            "changed": len(d.changed),
        },
        "new": [row(f) for f in findings_in(d, everything, "new")],
        "resolved": [row(f) for f in findings_in(d, everything, "resolved")],
        "changed": [row(f) for f in findings_in(d, everything, "changed")],
    }
