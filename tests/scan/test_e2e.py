"""End to end: synthetic telehealth buckets on the S3 server → `phiscope scan` → reports and database.

Checks the scan against the generator's ground truth: exposure per bucket, contains_phi per object,
distinct people (±2 %), and that no raw identifier the generator wrote appears in any output file,
log or the database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import S3Server
from phiscope.demo import DEMO_EXPOSURE, configure_bucket, upload_tree
from phiscope.synth import telehealth
from phiscope.synth.truth import GroundTruth

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
EXPECTED_PUBLIC = {b: k.startswith("public") for b, k in DEMO_EXPOSURE.items()}


@pytest.fixture(scope="module")
def scanned(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build, upload and scan once; tests read the results."""
    tmp = tmp_path_factory.mktemp("e2e")
    data = tmp / "buckets"
    truth = telehealth.build(data, people=60, audio=False, images=False, truth_path=tmp / "truth.json")
    client = s3_server.client
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if not existing & set(truth.buckets):
        public_acl = {b: "public-read" for b, k in DEMO_EXPOSURE.items() if k == "public-acl"}
        upload_tree(client, data, object_acl=public_acl)
        for b in truth.buckets:
            configure_bucket(client, b, DEMO_EXPOSURE.get(b, "private"))
    out = tmp / "out"
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp / "secret.key")}
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            *[f"s3://{b}" for b in truth.buckets],
            "--endpoint-url",
            s3_server.endpoint_url,
            "--db",
            f"sqlite:///{tmp / 'findings.db'}",
            "-o",
            str(out),
            "--format",
            "json,ocsf,sarif,csv,html",
            "--log-json",
            str(tmp / "events.jsonl"),
            "--no-audio",
            "--no-ocr",
            "--workers",
            "2",
            "--no-live-probe",  # moto answers every anonymous request: no live probe against it
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode in (0, 3), proc.stderr[-3000:]
    report = json.loads((out / "phiscope-report.json").read_text())
    return {
        "truth": truth,
        "report": report,
        "tmp": tmp,
        "out": out,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
    }


def test_exposure_verdict_per_bucket(scanned: dict[str, Any]) -> None:
    buckets = {b["name"]: b for b in scanned["report"]["buckets"]}
    truth: GroundTruth = scanned["truth"]
    for name in truth.buckets:
        assert buckets[name]["exposure"]["public"] is EXPECTED_PUBLIC.get(name, False), name
    assert buckets["medcall-exports"]["exposure"]["access"]["anonymous"]["read"] is True
    if "medcall-recordings" in buckets:  # present when the build includes audio
        assert buckets["medcall-recordings"]["exposure"]["access"]["anonymous"]["list"] is True


def test_contains_phi_per_object_matches_ground_truth(scanned: dict[str, Any]) -> None:
    truth: GroundTruth = scanned["truth"]
    objs = {(o["bucket"], o["key"]): o for o in scanned["report"]["objects"]}
    wrong = []
    for f in truth.files:
        o = objs.get((f.bucket, f.key))
        assert o is not None, f"{f.bucket}/{f.key} not scanned"
        if o["contains_phi"] is not f.contains_phi:
            wrong.append((f.bucket, f.key, f.kind, f.contains_phi, o["status"], o["reason"]))
    assert not wrong, wrong


def test_people_count_matches_ground_truth(scanned: dict[str, Any]) -> None:
    truth: GroundTruth = scanned["truth"]
    impact = scanned["report"]["impact"]
    assert abs(impact["people_affected"] - truth.people_total) <= max(1, 0.02 * truth.people_total), (
        impact["people_affected"],
        truth.people_total,
    )
    lo, hi = impact["people_affected_range"]
    assert lo <= impact["people_affected"] <= hi


def test_every_format_is_written(scanned: dict[str, Any]) -> None:
    names = {p.name for p in scanned["out"].iterdir()}
    sid = scanned["report"]["scan"]["id"]
    for ext in ("json", "ocsf.json", "sarif", "csv", "html"):
        assert f"phiscope-{sid}.{ext}" in names, ext
    assert "phiscope-report.json" in names


def _needles(truth: GroundTruth) -> set[str]:
    """Raw values distinctive enough that finding one in an output can only be a leak."""
    out: set[str] = set()
    for typ, values in truth.sensitive_values.items():
        for v in values:
            v = v.strip()
            if typ == "PERSON_NAME" and " " not in v:
                continue  # a lone first name can appear in any English text
            if len(v) >= 6:
                out.add(v)
    return out


def test_no_raw_identifier_in_any_output_log_or_database(scanned: dict[str, Any]) -> None:
    truth: GroundTruth = scanned["truth"]
    needles = _needles(truth)
    assert len(needles) > 100  # the generator really wrote sensitive values
    files = [p for p in scanned["out"].rglob("*") if p.is_file()]
    files += [scanned["tmp"] / "events.jsonl", scanned["tmp"] / "findings.db"]
    files += [p for p in scanned["tmp"].glob("findings.db-*")]
    blobs = {str(p): p.read_bytes().decode("utf-8", "replace") for p in files}
    blobs["stdout"] = scanned["stdout"]
    blobs["stderr"] = scanned["stderr"]
    leaks = sorted({(name, n[:3] + "…") for name, text in blobs.items() for n in needles if n in text})
    assert not leaks, leaks  # (only a 3-character prefix of a leaked value is shown here)


def test_demo_sarif_validates_against_the_official_schema(scanned: dict[str, Any]) -> None:
    """OASIS SARIF 2.1.0 errata01, 0 errors; GitHub code scanning's expectations (issue 22)."""
    import jsonschema

    schema_path = Path(__file__).parents[1] / "report" / "schemas" / "sarif-schema-2.1.0-errata01.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    sid = scanned["report"]["scan"]["id"]
    log = json.loads((scanned["out"] / f"phiscope-{sid}.sarif").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    errors = [f"{e.json_path}: {e.message[:120]}" for e in cls(schema).iter_errors(log)]
    assert errors == [], errors[:10]
    results = log["runs"][0]["results"]
    assert results
    for r in results:
        assert r["partialFingerprints"]["primaryLocationLineHash"]
        assert len(r["locations"]) <= 10
        for loc in r["locations"]:
            if "region" in loc["physicalLocation"]:
                assert loc["physicalLocation"]["region"]["startLine"] >= 1
    text = json.dumps(log)
    assert "remediate plan" not in text


def test_demo_csv_has_exposure_rows_and_ocsf_the_account(scanned: dict[str, Any]) -> None:
    import csv

    sid = scanned["report"]["scan"]["id"]
    rows = list(csv.DictReader((scanned["out"] / f"phiscope-{sid}.csv").open(encoding="utf-8")))
    assert any(r["family"] == "exposure" and r["bucket"] == "medcall-exports" for r in rows)
    events = json.loads((scanned["out"] / f"phiscope-{sid}.ocsf.json").read_text(encoding="utf-8"))
    accounts = {(e.get("cloud") or {}).get("account", {}).get("uid") for e in events}
    assert "123456789012" in accounts  # moto's account, from STS GetCallerIdentity


def _keys_fit(obj: dict[str, Any], td: Any, where: str) -> None:
    """A JSON object carries only the keys its TypedDict declares, and every required one."""
    extra = set(obj) - set(td.__annotations__)
    missing = set(td.__required_keys__) - set(obj)
    assert not extra and not missing, (where, sorted(extra), sorted(missing))


def test_report_matches_its_typed_contract(scanned: dict[str, Any]) -> None:
    from phiscope import json_types as c

    report = scanned["report"]
    _keys_fit(report, c.ReportV1, "report")
    _keys_fit(report["scan"], c.ScanV1, "scan")
    _keys_fit(report["impact"], c.ImpactV1, "impact")
    assert report["buckets"] and report["objects"]
    for b in report["buckets"]:
        _keys_fit(b, c.BucketV1, f"bucket {b['name']}")
        if b["exposure"] is not None:
            _keys_fit(b["exposure"], c.ExposureVerdict, f"exposure of {b['name']}")
    for o in report["objects"]:
        _keys_fit(o, c.ObjectV1, f"object {o['key']}")
        for d in o["detections"]:
            _keys_fit(d, c.DetectionV1, f"detection in {o['key']}")
