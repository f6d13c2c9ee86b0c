"""A silent endpoint and a trickling endpoint end the scan with a clear error in bounded time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from servers import FaultyEndpoint

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


def _scan(url: str, tmp: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PHISCOPE_SECRET_FILE": str(tmp / "secret"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    cmd = [PHISCOPE, "scan", "s3://bucket-x", "--endpoint-url", url, "--db", f"sqlite:///{tmp / 'f.db'}"]
    cmd += ["-o", str(tmp / "out"), "--format", "json", "--log-json", str(tmp / "log.jsonl")]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_silent_and_trickling_endpoints_fail_within_60_s(tmp_path: Path) -> None:
    (tmp_path / "silent").mkdir()
    (tmp_path / "trickle").mkdir()
    with FaultyEndpoint("silent") as silent, FaultyEndpoint("trickle", every=2.0) as trickle:
        t0 = time.monotonic()
        procs = {
            "silent": _scan(silent.url, tmp_path / "silent"),
            "trickle": _scan(trickle.url, tmp_path / "trickle"),
        }
        outs = {k: p.communicate(timeout=120) for k, p in procs.items()}
        elapsed = time.monotonic() - t0
        assert silent.connections >= 1 and trickle.connections >= 1  # the scans really reached them
    assert elapsed < 60, f"scans of faulty endpoints took {elapsed:.0f} s"
    for k, p in procs.items():
        assert p.returncode in (0, 1, 3), (k, outs[k][1][-2000:])  # ran to its end: no traceback
        report = json.loads((tmp_path / k / "out" / "phiscope-report.json").read_text())
        (bucket,) = report["buckets"]
        # the clear error: the listing failed because the endpoint did not answer in time
        errors = json.dumps(bucket["exposure_errors"])
        assert "listing failed: read failed: EndpointTimeout" in errors, (k, errors)
        assert "endpoint not answering" in errors or "no complete answer within" in errors


def test_server_error_messages_are_reduced_before_they_are_stored(tmp_path: Path) -> None:
    with FaultyEndpoint("error") as bad:
        url = bad.url.replace("http://", "http://scanner:s3cr3t@")  # credentials in the URL too
        proc = _scan(url, tmp_path)
        out, err = proc.communicate(timeout=120)
    blobs = [out, err, *(p.read_text(errors="replace") for p in (tmp_path / "out").iterdir())]
    blobs += [(tmp_path / "log.jsonl").read_text(), (tmp_path / "f.db").read_bytes().decode("latin-1")]
    report = (tmp_path / "out" / "phiscope-report.json").read_text()
    assert "AccessDenied" in report  # the code is kept
    for blob in blobs:
        for raw in ("Ada Quinnell", "123-45-6789", "hunter2", "s3cr3t", "x" * 200):
            assert raw not in blob
