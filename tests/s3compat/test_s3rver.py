"""Against s3rver, a second S3 implementation (npm, installed by scripts/dev.sh into .npm-tools/).

s3rver serves every bucket to anyone and answers the ACL/policy APIs with NotImplemented: the owner's
settings then say nothing, and only the live anonymous probe tells the truth. PHIscope must call such
a bucket exposed (probe exit 3, scan exit 3), never private (issue 22).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
S3RVER = ROOT / ".npm-tools" / "node_modules" / ".bin" / "s3rver"
PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
CREDS = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}  # s3rver's default keys
ROWS = "name,ssn,diagnosis\nJohn Smith,123-45-6789,E11.9 type 2 diabetes\n"

pytestmark = pytest.mark.skipif(
    not S3RVER.exists() or shutil.which("node") is None,
    reason="s3rver not installed (run scripts/dev.sh setup)",
)


@pytest.fixture(scope="module")
def s3rver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """s3rver on 127.0.0.1 and a free port (port 0; the port is read from its first log line)."""
    data = tmp_path_factory.mktemp("s3rver")
    proc = subprocess.Popen(
        [str(S3RVER), "-d", str(data), "-a", "127.0.0.1", "-p", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = None
        for line in proc.stdout:  # blocks until s3rver says where it listens
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        assert port, "s3rver did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2, "mode": "standard"}),
    )


@pytest.fixture(scope="module")
def bucket(s3rver: str) -> str:
    """A bucket whose first listed object is empty (an empty object answers 416 to a ranged GET)."""
    name = f"clinic-{uuid.uuid4().hex[:8]}"
    c = _client(s3rver)
    c.create_bucket(Bucket=name)
    c.put_object(Bucket=name, Key="a-empty.txt", Body=b"")
    c.put_object(Bucket=name, Key="b/patients.csv", Body=ROWS.encode())
    c.put_object(Bucket=name, Key="c/notes.txt", Body=b"x" * 5000)
    return name


def _env(tmp: Path) -> dict[str, str]:
    env = {**os.environ, **CREDS, "PHISCOPE_SECRET_FILE": str(tmp / "k")}
    env.pop("AWS_PROFILE", None)
    return env


def test_probe_sees_the_exposure_and_reads_a_non_empty_key(s3rver: str, bucket: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [PHISCOPE, "probe", bucket, "--endpoint-url", s3rver, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path),
    )
    assert proc.returncode == 3, (proc.stdout[-2000:], proc.stderr)  # exposed
    (res,) = json.loads(proc.stdout)
    anon = res["audiences"]["anonymous"]
    assert anon["list"]["outcome"] == "allowed" and anon["list"]["keys_seen"] == 3
    assert anon["read"]["outcome"] == "allowed"
    assert anon["read"]["key"] == "b/patients.csv"  # smallest NON-EMPTY key, not the empty first one
    assert res["verdict"] == "exposed"


def test_owner_scan_live_probe_overrides_settings_only_private(
    s3rver: str, bucket: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            f"s3://{bucket}",
            "--endpoint-url",
            s3rver,
            "--db",
            f"sqlite:///{tmp_path / 'f.db'}",
            "-o",
            str(out),
            "--format",
            "json",
            "--workers",
            "1",
            "--no-ocr",
            "--no-audio",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stderr
    report = json.loads((out / "phiscope-report.json").read_text())
    (b,) = report["buckets"]
    assert report["scan"]["mode"] == "owner"
    assert b["verdict"] == "exposed" and b["exposure"]["public"] is True
    assert b["exposure"]["access"]["anonymous"]["read"] is True
    assert any(r.startswith("LIVE:") for r in b["exposure"]["reasons"])
    assert any(o["contains_phi"] for o in report["objects"])


def test_owner_scan_without_live_probe_is_never_a_silent_all_clear(
    s3rver: str, bucket: str, tmp_path: Path
) -> None:
    """Settings answered NotImplemented and no live probe: could not verify (exit 1), not private."""
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            f"s3://{bucket}",
            "--endpoint-url",
            s3rver,
            "--db",
            f"sqlite:///{tmp_path / 'f.db'}",
            "-o",
            str(tmp_path / "out"),
            "--format",
            "json",
            "--workers",
            "1",
            "--no-live-probe",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: could not verify s3://{bucket}"), lines
