"""Exit codes like Prowler's: 0 nothing at/above the threshold, 3 findings at/above it (1 = error, CLI)."""

from __future__ import annotations

from phiscope.json_types import ReportV1
from phiscope.report.findings import LEVELS, iter_findings, sev_rank

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 3


def exit_code(report: ReportV1, fail_on: str = "high", ignore_exit_code_3: bool = False) -> int:
    """3 when an unmuted finding is at or above `fail_on`, unless the caller asked to ignore it."""
    threshold = (fail_on or "").strip().lower()
    if threshold not in LEVELS:
        raise ValueError(f"--fail-on must be one of {', '.join(reversed(LEVELS))}, not {fail_on!r}")
    if ignore_exit_code_3:
        return EXIT_OK
    t = sev_rank(threshold)
    for f in iter_findings(report):
        if f.muted is None and sev_rank(f.severity) >= t:
            return EXIT_FINDINGS
    # Azure/GCS exposure that could not be verified is never a clean result.
    buckets = report.get("buckets") or []
    if any(b.get("provider") in ("azure", "gcs") and b.get("exposure_errors") for b in buckets):
        return EXIT_ERROR
    return EXIT_OK
