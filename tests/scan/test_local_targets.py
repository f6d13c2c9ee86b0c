"""Local targets (a folder, a single file) are provider `local` with file:// URIs and no ARN in every
format, and the HTML title says what was scanned (issue 22)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
ROWS = (
    "name,ssn,diagnosis\n"
    "John Smith,123-45-6789,E11.9 type 2 diabetes\n"
    "Mary Jones,234-56-7891,I10 hypertension\n"
)


def _scan(tmp: Path, target: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            PHISCOPE,
            "scan",
            str(target),
            "--db",
            f"sqlite:///{tmp / 'f.db'}",
            "-o",
            str(out),
            "--format",
            "json,ocsf,sarif,csv,html",
            "--workers",
            "1",
            "--no-ocr",
            "--no-audio",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PHISCOPE_SECRET_FILE": str(tmp / "k")},
    )


@pytest.mark.parametrize("single_file", [False, True], ids=["folder", "file"])
def test_local_target_is_provider_local_everywhere(tmp_path: Path, single_file: bool) -> None:
    folder = tmp_path / "clinic export"
    folder.mkdir()
    (folder / "patients.csv").write_text(ROWS, encoding="utf-8")
    (folder / "other.txt").write_text("nothing here\n", encoding="utf-8")
    target = folder / "patients.csv" if single_file else folder
    out = tmp_path / "out"
    proc = _scan(tmp_path, target, out)
    assert proc.returncode in (0, 3), proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads((out / "phiscope-report.json").read_text())
    assert [b["provider"] for b in report["buckets"]] == ["local"]
    assert report["buckets"][0]["uri"].startswith("file://")
    assert report["buckets"][0]["verdict"] == "local"
    keys = [o["key"] for o in report["objects"]]
    assert keys == ["patients.csv"] if single_file else sorted(keys) == ["other.txt", "patients.csv"]
    sid = report["scan"]["id"]
    for ext in ("json", "ocsf.json", "sarif", "csv", "html"):
        text = (out / f"phiscope-{sid}.{ext}").read_text(encoding="utf-8")
        assert "arn:aws" not in text, ext
        assert "s3://" not in text, ext
        assert "file://" in text, ext
    events = json.loads((out / f"phiscope-{sid}.ocsf.json").read_text())
    assert events and {e["cloud"]["provider"] for e in events} == {"Local"}
    sarif = json.loads((out / f"phiscope-{sid}.sarif").read_text())
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris and all(u.startswith("file://") and u.endswith("patients.csv") for u in uris)
    html = (out / f"phiscope-{sid}.html").read_text(encoding="utf-8")
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert str(target) in title.replace("&#x27;", "'") and sid in title
