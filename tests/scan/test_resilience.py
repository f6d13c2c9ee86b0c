"""The scan survives throttling and a kill -9, and resumes without re-scanning or duplicating."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from throttle_proxy import ThrottlingProxy

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
ROW = "patient_name,ssn\nAda Quinn,123-45-6789\n"


def test_throttled_endpoint_is_survived(s3: S3Server, tmp_path: Path) -> None:
    b = s3.new_bucket()
    for i in range(12):
        s3.client.put_object(Bucket=b, Key=f"p{i:02}.csv", Body=f"name,ssn\nX,123-45-{6780 + i}\n".encode())
    with ThrottlingProxy(s3.endpoint_url, every=3) as proxy:
        db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
        cfg = ScanConfig(
            targets=[f"s3://{b}"],
            endpoint_url=proxy.url,
            anonymous=False,
            live_probe=False,
            secret=b"s" * 32,
            workers=1,
        )
        report = build_report(db, Scanner(cfg, db).run())
    assert proxy.throttled >= 5  # throttling really happened
    statuses = {o["key"]: o["status"] for o in report["objects"]}
    assert len(statuses) == 12 and set(statuses.values()) == {"complete"}
    assert all(o["contains_phi"] for o in report["objects"])


def _events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # the line being written when the process died
    return out


def test_kill_9_then_resume_scans_each_object_once(tmp_path: Path) -> None:
    root = tmp_path / "data" / "bkt"
    root.mkdir(parents=True)
    n = 400
    for i in range(n):
        (root / f"f{i:04}.csv").write_text(f"name,ssn\nP{i},{100 + i % 500:03}-45-{1000 + i:04}\n" * 50)
    db_url = f"sqlite:///{tmp_path / 'f.db'}"
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "secret")}
    log1 = tmp_path / "run1.jsonl"
    cmd = [
        PHISCOPE,
        "scan",
        str(tmp_path / "data"),
        "--db",
        db_url,
        "-o",
        str(tmp_path / "out"),
        "--format",
        "json",
        "--quiet",
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(
        [*cmd, "--log-json", str(log1)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while sum(e["event"] == "object_done" for e in _events(log1)) < 30:
        assert proc.poll() is None, "scan ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)  # polling a condition, not synchronising by sleep
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    scan_id = next(e["scan_id"] for e in _events(log1) if e["event"] == "scan_started")
    with sqlite3.connect(tmp_path / "f.db") as c:
        before = {k for (k,) in c.execute("select key from objects where scan_id=?", (scan_id,))}
    assert 30 <= len(before) < n

    log2 = tmp_path / "run2.jsonl"
    done = subprocess.run(
        [*cmd, "--resume", scan_id, "--log-json", str(log2)],
        env=env,
        timeout=600,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 3), done.stderr
    rescanned = {e["key"] for e in _events(log2) if e["event"] == "object_done"}
    assert not rescanned & before  # finished objects were not scanned again
    assert rescanned | before == {f"f{i:04}.csv" for i in range(n)}
    with sqlite3.connect(tmp_path / "f.db") as c:
        rows = c.execute(
            "select count(*), count(distinct key) from objects where scan_id=?", (scan_id,)
        ).fetchone()
        dets = c.execute(
            "select count(*) from detections d join objects o on o.id=d.object_id where o.scan_id=? "
            "and d.type='US_SSN'",
            (scan_id,),
        ).fetchone()[0]
        state = c.execute("select state from scans where id=?", (scan_id,)).fetchone()[0]
    assert rows == (n, n) and dets == n and state == "finished"
    report = json.loads((tmp_path / "out" / "phiscope-report.json").read_text())
    assert report["scan"]["id"] == scan_id
    assert report["impact"]["people_affected"] == n
