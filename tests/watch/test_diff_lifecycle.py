"""Scan-to-scan diff (pure, and `phiscope diff` on two real scans) and the watch findings lifecycle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner
from watch_loopback import assert_no_raw_values, csv_bytes

from phiscope.cli import app
from phiscope.db.store import Store
from phiscope.db.watch import FindingState
from phiscope.scan.diff import diff_findings
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.watch.lifecycle import due_changes, reconcile


@dataclass
class F:
    uid: str
    severity: str


def test_diff_findings_groups_by_id() -> None:
    old = {"a": F("a", "low"), "b": F("b", "high"), "c": F("c", "high")}
    new = {"b": F("b", "high"), "c": F("c", "critical"), "d": F("d", "medium")}
    d = diff_findings(old, new)
    assert (d.new, d.still_open, d.resolved, d.changed) == (["d"], ["b", "c"], ["a"], ["c"])
    assert diff_findings(new, new).empty


def _scan(db: Store, folder: Path) -> str:
    cfg = ScanConfig(targets=[str(folder)], secret=b"k" * 32, workers=1, ocr=False, audio=False)
    return Scanner(cfg, db).run()


def test_diff_command_on_two_scans(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    db = Store.open(url)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to see\n")
    first = _scan(db, folder)
    (folder / "patients.csv").write_bytes(csv_bytes())
    second = _scan(db, folder)
    runner = CliRunner()
    r = runner.invoke(app, ["diff", first, second, "--db", url, "--json"])
    assert r.exit_code == 3, r.output
    doc = json.loads(r.output)
    assert doc["counts"]["new"] >= 2 and doc["counts"]["resolved"] == 0
    assert {"US_SSN", "PERSON_NAME"} <= {x["kind"] for x in doc["new"]}
    assert all(x["key"] == "patients.csv" for x in doc["new"])
    assert_no_raw_values(r.output)
    # reversed: the same findings are resolved, nothing is new → exit 0
    r = runner.invoke(app, ["diff", second, first, "--db", url])
    assert r.exit_code == 0, r.output
    assert "resolved" in r.output and "0 new" in r.output
    assert runner.invoke(app, ["diff", first, "no-such-scan", "--db", url]).exit_code == 1


def _state(uid: str, **kw: object) -> FindingState:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    base = dict(
        uid=uid,
        family="exposure",
        bucket="b",
        key=None,
        kind="anonymous:read",
        category=None,
        severity="critical",
        title="t",
        exposure="anonymous:read",
        count=1,
        status="open",
        alerted="open",
        first_seen=t,
        last_seen=t,
        resolved_at=None,
    )
    base.update(kw)
    return FindingState(**base)  # type: ignore[arg-type]


def _report(exposure: dict[str, object] | None, errors: list[str]) -> dict[str, object]:
    return {
        "buckets": [{"name": "b", "exposure": exposure, "exposure_errors": errors, "severity": "high"}],
        "objects": [],
    }


PUBLIC = {"access": {"anonymous": {"read": True}}, "public": True}


def test_reconcile_opens_resolves_and_never_resolves_on_unreadable_settings() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    opened = reconcile(_report(PUBLIC, []), {}, at)
    [s] = opened
    assert (s.status, s.first_seen, s.alerted) == ("open", at, None)
    known = {s.uid: s}
    # settings unreadable now: the exposure stays open (never a false all-clear)
    carried = reconcile(
        _report(None, ["could not read bucket settings"]),
        known,
        at + timedelta(1),
        unverified_buckets=frozenset({"b"}),
    )
    assert {c.uid: c.status for c in carried}[s.uid] == "open"
    # truly closed: resolved, first_seen kept
    [r] = reconcile(_report({"access": {}}, []), known, at + timedelta(2))
    assert (r.status, r.first_seen, r.resolved_at) == ("resolved", at, at + timedelta(2))


def test_due_changes_once_per_change_and_min_severity() -> None:
    states = {
        "a": _state("a", alerted=None),  # new, critical → due
        "b": _state("b", alerted="open"),  # already alerted → not due
        "c": _state("c", status="resolved", alerted="open"),  # resolved after alert → due
        "d": _state("d", status="resolved", alerted=None),  # closed before anyone was told → not due
        "e": _state("e", severity="info", alerted=None),  # below threshold → not due
    }
    due = due_changes(states, "low")
    assert sorted(s.uid for s in due["b"]) == ["a", "c"]
