"""Sampling estimates: the stratified estimator, its 95 % interval's coverage, and the report fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phiscope.db.store import Store
from phiscope.scan.estimate import (
    METHOD_CENSUS,
    StratumSample,
    estimate_binary,
    estimate_people,
)
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report
from phiscope.scan.sampling import Budget
from phiscope.synth.estate import coverage, synthetic_bucket

SECRET = b"test-secret-" * 3


def test_a_stratum_read_in_full_is_exact() -> None:
    e = estimate_binary([StratumSample(4, [1, 0, 1, 1]), StratumSample(3, [0, 0, 0])])
    assert (e.value, e.low, e.high) == (3, 3, 3)
    p = estimate_people([StratumSample(2, [5, 0])], distinct_in_sample=5)
    assert (p.value, p.low, p.high) == (5, 5, 5)


def test_finding_nothing_in_a_sample_is_not_an_all_clear() -> None:
    e = estimate_binary([StratumSample(10_000, [0.0] * 50)])
    assert e.value == 0 and e.low == 0
    assert e.high >= 100  # 0 of 50 is compatible with a couple of percent of 10,000 objects
    p = estimate_people([StratumSample(10_000, [0.0] * 50), StratumSample(10, [3.0] * 10)], 30)
    assert p.low == 30 and p.high > 30


def test_interval_never_leaves_what_was_seen() -> None:
    # 40 of 50 read objects hold health data: at least 40, at most N minus the 10 seen without
    e = estimate_binary([StratumSample(60, [1.0] * 40 + [0.0] * 10)])
    assert 40 <= e.low <= e.value <= e.high <= 50


def test_people_are_deduplicated_with_the_sample_ratio() -> None:
    # per-object people sum to 100 in the sample but only 50 distinct: the estimate halves
    strata = [StratumSample(100, [10.0] * 10)]
    assert estimate_people(strata, 100).value == 1000
    assert estimate_people(strata, 50).value == 500


@pytest.mark.parametrize(("budget", "shared"), [(Budget(percent=10), 0.0), (Budget(percent=10), 0.1)])
def test_interval_covers_the_truth_in_200_sampled_runs(budget: Budget, shared: float) -> None:
    """The simulation of docs/sampling.md (bench/sampling_coverage.py), on a quarter-size bucket."""
    c = coverage(200, budget=budget, scale=0.25, shared=shared)
    assert c.health_truth > 0 and c.people_truth > 1000
    assert c.health_rate >= 0.93, c
    assert c.people_rate >= 0.93, c
    # and the interval is informative, not [0, ∞)
    assert c.health_mean_width < c.health_truth * 1.5
    assert c.people_mean_width < c.people_truth * 3


def test_synthetic_bucket_is_deterministic() -> None:
    a, b = synthetic_bucket(3, scale=0.05), synthetic_bucket(3, scale=0.05)
    assert a == b and any(o.health for o in a)


ROWS = "patient_name,dob,ssn,diagnosis,icd10\n{}\n"


def _row(i: int) -> str:
    name = f"Pat{chr(65 + i % 26)} Q{chr(65 + i // 26 % 26)}son"
    ssn = f"{900 - i:03}-{10 + i % 89:02}-{1000 + i:04}"
    return f"{name},1970-01-{1 + i % 28:02},{ssn},Essential hypertension,I10"


def _folder(root: Path) -> tuple[int, int]:
    """A bucket with two strata; returns (objects with health data, distinct people)."""
    b = root / "clinic"
    (b / "exports").mkdir(parents=True)
    (b / "notes").mkdir()
    health = people = 0
    for i in range(40):
        if i % 4 == 0:
            rows = "\n".join(_row(people + j) for j in range(2))
            people += 2
            health += 1
        else:
            rows = "n/a,n/a,n/a,n/a,n/a"
        (b / "exports" / f"e{i:03}.csv").write_text(ROWS.format(rows))
    for i in range(40):
        (b / "notes" / f"n{i:03}.txt").write_text(f"staff meeting {i} moved to Tuesday\n")
    return health, people


def _scan(tmp_path: Path, **kw: object) -> tuple[Store, str, dict]:
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(targets=[str(tmp_path / "d" / "clinic")], secret=SECRET, workers=1, **kw)  # type: ignore[arg-type]
    scan_id = Scanner(cfg, db).run()
    return db, scan_id, build_report(db, scan_id)


def test_full_scan_reports_exact_counts_as_census(tmp_path: Path) -> None:
    health, people = _folder(tmp_path / "d")
    _, _, report = _scan(tmp_path)
    pe = report["impact"]["people_estimate"]
    assert report["impact"]["people_affected"] == people
    assert pe == {"value": people, "low": people, "high": people, "method": METHOD_CENSUS}
    assert report["impact"]["health_objects_estimate"]["value"] == health
    assert report["buckets"][0]["people_estimate"]["value"] == people


def test_sampled_scan_reports_an_estimate_with_an_interval(tmp_path: Path) -> None:
    health, people = _folder(tmp_path / "d")
    db, scan_id, report = _scan(tmp_path, sample="50%", seed=3)
    assert report["scan"]["coverage"]["sampled"] is True
    found = report["impact"]["people_affected"]
    pe = report["impact"]["people_estimate"]
    he = report["impact"]["health_objects_estimate"]
    assert set(pe) == {"value", "low", "high", "method"} and "stratified" in pe["method"]
    assert found < people  # the sample did not read every export
    assert found <= pe["low"] <= pe["value"] <= pe["high"]
    assert pe["low"] <= people <= pe["high"]
    assert he["low"] <= health <= he["high"]
    # the notes stratum was read (half of it) and held nothing; exports were expanded ×2
    assert abs(he["value"] - health) <= 4
    # rebuilt later from the database alone: the same numbers
    assert build_report(db, scan_id)["impact"]["people_estimate"] == pe
    assert "123-45" not in json.dumps(report)
    # and the terminal summary shows the bucket's estimate next to what was found
    from rich.console import Console

    from phiscope.report.summary import print_summary

    console = Console(record=True, width=200)
    print_summary(report, console)
    b = report["buckets"][0]["people_estimate"]
    assert f"est. {b['value']:,} ({b['low']:,}–{b['high']:,})" in console.export_text()
