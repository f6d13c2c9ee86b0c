"""The incident report: timeline, what/how/obligations, letters, and never a raw value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.db import remediation as rdb
from phiscope.remediate.incident import looks_masked, render_incident, timeline

RAW_SSN = "123-45-6789"  # an unmasked value that slipped into a masked_examples list by mistake
STARTED = datetime(2026, 11, 28, 13, 15, tzinfo=UTC)


def exposure(read: bool = True) -> dict[str, Any]:
    caps = {"list": True, "read": read, "write": False, "read_acl": False, "write_acl": False}
    return {
        "bucket": "medcall",
        "public": True,
        "policy_is_public": True,
        "access": {"anonymous": dict(caps), "any_aws_account": dict(caps)},
        "uncertain": [],
        "latent": ["ACL grant READ to AuthenticatedUsers (ignored: IgnorePublicAcls)"],
        "reasons": ['policy is public: statement 1 (Sid "PublicRead") allows Principal "*", no condition'],
        "evidence": [
            {
                "kind": "policy_statement",
                "level": "bucket",
                "index": 1,
                "sid": "PublicRead",
                "effect": "grants",
            }
        ],
    }


def report(mode: str = "owner") -> dict[str, Any]:
    return {
        "schema": "phiscope/report/v1",
        "scan": {
            "id": "20261128T131500Z-3f9a1c",
            "started_at": STARTED.isoformat(),
            "finished_at": (STARTED + timedelta(minutes=1)).isoformat(),
            "phiscope_version": "0.1.0",
            "targets": ["s3://medcall"],
            "endpoint": None,
            "mode": mode,
        },
        "buckets": [
            {
                "name": "medcall",
                "exposure": exposure(),
                "exposure_errors": [],
                "objects_total": 40,
                "objects_scanned": 40,
                "people_affected": 37,
                "organisations": 5,
                "severity": "critical",
                "contains_phi": True,
                "health": True,
                "categories": ["health", "identity"],
                "detections_by_type": {"US_SSN": 120, "PERSON_NAME": 80},
            },
            {
                "name": "private-bkt",
                "exposure": {
                    **exposure(),
                    "public": False,
                    "access": {"anonymous": {}, "any_aws_account": {}},
                },
            },
        ],
        "objects": [
            {
                "bucket": "medcall",
                "key": "patients/jane-roe.csv",
                "detections": [
                    {
                        "type": "US_SSN",
                        "count": 3,
                        "masked_examples": ["***-**-6789", RAW_SSN, "***-**-1111"],
                    },
                    {"type": "PERSON_NAME", "count": 2, "masked_examples": ["J*** R**"]},
                ],
            }
        ],
        "impact": {
            "people_affected": 37,
            "people_affected_range": [35, 37],
            "organisations": 5,
            "data_categories": ["health", "identity"],
            "severity": "critical",
            "obligations": [
                {
                    "id": "HIPAA-BREACH-HHS",
                    "regulation": "HIPAA",
                    "title": "Notify HHS",
                    "applies": True,
                    "why": "PHI of fewer than 500 people",
                    "deadline_days": 60,
                    "deadline": "2027-01-27",
                    "notify": ["HHS"],
                },
                {
                    "id": "GDPR-33",
                    "regulation": "GDPR",
                    "title": "Notify the supervisory authority",
                    "applies": False,
                    "why": "no EU data subjects",
                    "deadline_days": 3,
                },
            ],
        },
    }


@pytest.mark.parametrize(
    ("example", "masked"), [("***-**-6789", True), ("J*** R**", True), (RAW_SSN, False), ("Jane Roe", False)]
)
def test_looks_masked(example: str, masked: bool) -> None:
    assert looks_masked(example) is masked


def test_report_sections_and_no_raw_values() -> None:
    md = render_incident(report())
    for heading in (
        "## Timeline",
        "## What was exposed",
        "## How it was exposed",
        "## Obligations and deadlines",
        "## Notification letter",
    ):
        assert heading in md
    assert RAW_SSN not in md and "jane-roe" not in md  # neither a raw value nor an object key
    assert "`***-**-6789`" in md and "`J*** R**`" in md
    assert "| US_SSN | 120 |" in md
    assert 'Sid "PublicRead"' in md and "latent" in md
    assert "Notify HHS" in md and "2027-01-27 (60 days)" in md
    assert "Notify the supervisory authority" not in md  # does not apply
    assert "s3://private-bkt" not in md
    assert "Security incident" in md  # our bucket: internal notice


def test_not_our_bucket_gets_responsible_disclosure_letter() -> None:
    md = render_incident(report(mode="anonymous"))
    assert "Responsible disclosure" in md and "did not copy" in md


def test_timeline_orders_scan_fix_and_verification(tmp_path: Path) -> None:
    engine = rdb.engine_for(f"sqlite:///{tmp_path / 'h.db'}")
    change = {"action": "put_bucket_policy", "target": {"bucket": "medcall"}, "after": {"Statement": []}}
    rdb.record_change(engine, run_id="r1", plan_id="p1", change=change, before="{}", status="applied")
    rdb.record_verification(
        engine, "r1", {"bucket": "medcall", "status": "closed", "evidence": ["settings: ok"]}
    )
    history = {"medcall": rdb.bucket_history(engine, "medcall")}
    rows = timeline(report(), history)
    events = [r[2] for r in rows]
    assert events[0].startswith("Exposure of s3://medcall first seen") and "anonymous:read" in events[0]
    assert events[1] == "Scan finished"
    assert events[2] == "Fix applied: put_bucket_policy on s3://medcall"
    assert events[3] == "Verified from outside: s3://medcall CLOSED"
    md = render_incident(report(), history)
    assert "last verification" in md and "**closed**" in md
    # closure is stated only once a verified fix is recorded (issue 22)
    assert "closure verified" in md and "No verified fix" not in md
    bare = render_incident(report())
    assert "closure verified" not in bare and "No verified fix is recorded yet for s3://medcall" in bare


def test_incident_cli_from_report_file_with_pdf(tmp_path: Path) -> None:
    rp = tmp_path / "phiscope-report.json"
    rp.write_text(json.dumps(report()), encoding="utf-8")
    out, pdf = tmp_path / "incident.md", tmp_path / "incident.pdf"
    db = f"sqlite:///{tmp_path / 'x.db'}"
    r = CliRunner().invoke(
        app,
        [
            "incident",
            "20261128T131500Z-3f9a1c",
            "--report",
            str(rp),
            "--db",
            db,
            "-o",
            str(out),
            "--pdf",
            str(pdf),
        ],
    )
    assert r.exit_code == 0, r.output
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Incident report: scan 20261128T131500Z-3f9a1c") and RAW_SSN not in md
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Incident report" in text and RAW_SSN not in text
    # masks keep every asterisk; tables are tables, not Markdown pipes (issue 22)
    assert "***-**-6789" in text and "J*** R**" in text
    assert "|" not in text and "---" not in text
    assert "US_SSN" in text and "No verified fix" in text
    r = CliRunner().invoke(app, ["incident", "other-scan", "--report", str(rp), "--db", db])
    assert r.exit_code == 2 and "not 'other-scan'" in r.output


def test_incident_cli_from_the_database(tmp_path: Path) -> None:
    from phiscope.db.store import BucketRow, Store

    db = f"sqlite:///{tmp_path / 'scan.db'}"
    store = Store.open(db)
    store.create_scan(
        "s1", targets=["s3://medcall"], endpoint=None, mode="owner", options={}, version="0.1.0"
    )
    store.save_bucket(
        "s1",
        BucketRow(
            name="medcall",
            endpoint=None,
            region=None,
            exposure=exposure(),
            exposure_errors=[],
            objects_total=1,
            bytes_total=1,
            objects_selected=1,
            sampled=False,
        ),
    )
    store.set_scan_state("s1", "finished")
    r = CliRunner().invoke(app, ["incident", "s1", "--db", db])
    assert r.exit_code == 0, r.output
    assert "# Incident report: scan s1" in r.output and "s3://medcall" in r.output
    r = CliRunner().invoke(app, ["incident", "missing", "--db", db])
    assert r.exit_code == 2 and "cannot load scan missing" in r.output
