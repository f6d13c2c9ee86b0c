"""Findings lifecycle: the watcher's report against what it knew → new / still open / resolved.

Pure functions. A finding's id is the report's stable id (report/findings.py), so a restart, a
re-scan or another tool sees the same finding. `alerted` remembers the state last put in an alert:
an alert is due exactly when a finding's state differs from it, which makes alerts once-per-change
across restarts and lets a rate-limited bucket catch up later with one combined alert.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from phiscope.db.watch import FindingState
from phiscope.json_types import ReportV1
from phiscope.report.findings import Finding, iter_findings, sev_rank
from phiscope.scan.diff import by_uid, diff_findings


def current_findings(report: ReportV1) -> dict[str, Finding]:
    return by_uid(iter_findings(report))


def _state(f: Finding, at: datetime, prev: FindingState | None) -> FindingState:
    return FindingState(
        uid=f.uid,
        family=f.family,
        bucket=f.bucket,
        key=f.key,
        kind=f.kind,
        category=f.category,
        severity=f.severity,
        title=f.title,
        exposure=f.exposure,
        count=f.count,
        status="open",
        alerted=prev.alerted if prev else None,
        first_seen=prev.first_seen if prev else at,
        last_seen=at,
        resolved_at=None,
    )


def reconcile(
    report: ReportV1,
    known: dict[str, FindingState],
    at: datetime,
    *,
    unverified_buckets: frozenset[str] = frozenset(),
) -> list[FindingState]:
    """States to store after a pass: new and still-open findings, and newly resolved ones.

    Exposure findings of a bucket whose settings could not be read this time are carried forward,
    never resolved: an unreadable policy is not a closed exposure.
    """
    current = current_findings(report)
    open_before = {u: s for u, s in known.items() if s.status == "open"}
    d = diff_findings(open_before, current)
    out: list[FindingState] = []
    for uid in d.new + d.still_open:
        out.append(_state(current[uid], at, known.get(uid)))
    for uid in d.resolved:
        s = open_before[uid]
        if s.family == "exposure" and s.kind != "unverified" and s.bucket in unverified_buckets:
            out.append(replace(s, last_seen=at))
            continue
        out.append(replace(s, status="resolved", resolved_at=at))
    return out


def due_changes(states: dict[str, FindingState], min_severity: str) -> dict[str, list[FindingState]]:
    """Per bucket, the findings whose state differs from what was last alerted.

    A finding below `min_severity` is never alerted (and a finding that closes before anyone was
    told about it needs no resolved alert).
    """
    t = sev_rank(min_severity)
    out: dict[str, list[FindingState]] = {}
    for s in states.values():
        if s.status == s.alerted:
            continue
        if s.status == "resolved" and s.alerted is None:
            continue
        if s.status == "open" and sev_rank(s.severity) < t:
            continue
        out.setdefault(s.bucket, []).append(s)
    return out
