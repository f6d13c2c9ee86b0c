"""`phiscope` leaves without the interpreter's teardown (cli._leave): what exit must do still happens.

The database file alone holds the scan (SQLite's write-ahead log folded back, no -wal file left),
the JSON-lines log and the reports are complete, stdout through a pipe is flushed, the exit code
is the command's.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


def test_scan_process_leaves_a_complete_database_log_and_report(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for i in range(30):
        (folder / f"p{i}.csv").write_text(f"name,ssn\nPat Doe{i},{100 + i:03}-45-{1000 + i:04}\n")
    db = tmp_path / "f.db"
    log = tmp_path / "events.jsonl"
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "secret")}
    proc = subprocess.run(
        [
            PHISCOPE,
            "scan",
            str(folder),
            "--db",
            f"sqlite:///{db}",
            "-o",
            str(tmp_path / "out"),
            "--format",
            "json,summary",
            "--full",
            "--log-json",
            str(log),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 3), proc.stderr
    assert "json" in proc.stdout  # the report paths, written to a pipe, were flushed
    assert not Path(f"{db}-wal").exists()  # the log was folded into the file
    alone = tmp_path / "copy.db"
    shutil.copy(db, alone)  # the file alone, as a user would copy it
    with sqlite3.connect(alone) as c:
        assert c.execute("select count(*) from objects").fetchone()[0] == 30
        assert c.execute("select count(*) from person_records").fetchone()[0] == 30
        assert c.execute("select state from scans").fetchone()[0] == "finished"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events[-1]["event"] == "scan_finished" and events[-1]["objects_done"] == 30
    report = json.loads((tmp_path / "out" / "phiscope-report.json").read_text())
    assert len(report["objects"]) == 30
