"""`phiscope scans` lists past scans; Ctrl-C finishes the objects in flight, prints the scan id and
the exact --resume command, exits 130, and the resumed scan completes (issue 22)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
ROWS = "name,ssn\nJohn Smith,123-45-6789\n"


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp / "k"), "COLUMNS": "160"}


def test_scans_lists_id_targets_mode_status_counts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "p.csv").write_text(ROWS)
    db = f"sqlite:///{tmp_path / 'f.db'}"
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            str(data),
            "--db",
            db,
            "-o",
            str(tmp_path / "o"),
            "-M",
            "json",
            "-q",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
    )
    assert proc.returncode in (0, 3), proc.stderr
    sid = json.loads((tmp_path / "o" / "phiscope-report.json").read_text())["scan"]["id"]
    proc = subprocess.run(
        [PHISCOPE, "scans", "--db", db, "--format", "json"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["id"] == sid and row["targets"] == [str(data)] and row["mode"] == "local"
    assert row["status"] == "finished" and row["objects"] == 1 and row["exposed_buckets"] == 0
    assert row["people"] == 1
    proc = subprocess.run([PHISCOPE, "scans", "--db", db], capture_output=True, text=True, env=_env(tmp_path))
    assert proc.returncode == 0 and sid in proc.stdout and "finished" in proc.stdout
    proc = subprocess.run(
        [PHISCOPE, "scans", "--db", db, "--format", "xml"], capture_output=True, text=True, env=_env(tmp_path)
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error:")


N_OBJECTS = 1500


def test_ctrl_c_prints_the_resume_command_and_exits_130(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # enough objects that the scan is still running when the first batch of results is committed
    for i in range(N_OBJECTS):
        (data / f"p{i:04d}.csv").write_text(ROWS * 50)
    db = f"sqlite:///{tmp_path / 'f.db'}"
    log = tmp_path / "events.jsonl"
    cmd = [PHISCOPE, "scan", str(data), "--db", db, "-o", str(tmp_path / "o"), "-M", "json", "-q"]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1", "--batch-objects", "1", "--log-json", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        start_new_session=True,  # Ctrl-C goes to the whole process group, as in a terminal
        # as in a terminal, Ctrl-C is not ignored: a test that ran a worker's start-up in this process
        # may have set SIGINT to ignored, which children would inherit
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # wait for the scan to be under way: the event log says objects are being done
    deadline = 120.0
    import time

    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline:
        if log.exists() and log.read_text().count('"object_done"') >= 3:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)  # polling a file written by another process, not synchronisation by sleep
    assert proc.poll() is None, "the scan ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: scan "), lines
    resume = lines[0].split("resume with: ", 1)[1]
    sid = resume.split("--resume ", 1)[1].split()[0]
    assert resume.startswith("phiscope scan --resume ") and f"--db {db}" in resume
    done_before = log.read_text().count('"object_done"')
    assert 0 < done_before < N_OBJECTS
    # the exact command printed finishes the scan
    args = [*resume.split()[1:], "-o", str(tmp_path / "o2"), "-M", "json", "-q"]
    fin = subprocess.run([PHISCOPE, *args], capture_output=True, text=True, timeout=600, env=_env(tmp_path))
    assert fin.returncode in (0, 3), fin.stderr
    report = json.loads((tmp_path / "o2" / "phiscope-report.json").read_text())
    assert report["scan"]["id"] == sid and len(report["objects"]) == N_OBJECTS
