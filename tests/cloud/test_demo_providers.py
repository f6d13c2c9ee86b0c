"""`phiscope demo --providers s3,azure,gcs`: one Azure container and one GCS bucket beside the S3 ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phiscope.storage.emulators import azurite_binary, gcs_emulator_available

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


@pytest.mark.skipif(
    azurite_binary() is None or not gcs_emulator_available(),
    reason="emulators not installed (scripts/dev.sh)",
)
def test_demo_with_azure_and_gcs(tmp_path: Path) -> None:
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "k")}
    for var in ("AZURE_STORAGE_CONNECTION_STRING", "STORAGE_EMULATOR_HOST"):
        env.pop(var, None)  # the demo points the SDKs at its own emulators
    p = subprocess.run(
        [
            PHISCOPE,
            "demo",
            "--providers",
            "s3,azure,gcs",
            "--no-audio",
            "--no-ocr",
            "--people",
            "20",
            "-o",
            str(tmp_path / "out"),
            "-M",
            "json,ocsf",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 3, p.stderr[-3000:]  # the demo data is exposed on purpose
    r = json.loads((tmp_path / "out" / "phiscope-report.json").read_text())
    by_provider = {b["provider"]: b for b in r["buckets"] if b["provider"] in ("azure", "gcs")}
    assert set(by_provider) == {"azure", "gcs"}
    assert all(b["exposure_level"] == "public" and b["contains_phi"] for b in by_provider.values())
    # the embedded S3 endpoint is an S3-compatible one (storage/providers.py), not AWS
    assert {b["provider"] for b in r["buckets"]} == {"s3-compatible", "azure", "gcs"}
    events = json.loads(next((tmp_path / "out").glob("*.ocsf.json")).read_text())
    assert {e["cloud"]["provider"] for e in events} >= {"Azure", "GCP"}


def test_demo_rejects_unknown_provider(tmp_path: Path) -> None:
    p = subprocess.run(
        [PHISCOPE, "demo", "--providers", "s3,oracle", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "oracle" in p.stderr
