"""The CLI contract, mistake by mistake: exit code, one stderr line, no traceback (issue 22).

Each row is a real `phiscope` process against the loopback S3 server (moto) or a dead port: a user
mistake (typo, bad option, missing file) or a fault (no such bucket, unreachable endpoint, missing
credentials). 2 = usage (found before any work), 1 = error / could not verify, 3 = exposure found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import S3Server
from phiscope.storage.embedded import free_port

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


@dataclass
class Row:
    id: str
    args: list[str]  # {ep} live endpoint, {dead} closed port, {tmp} a data folder, {scratch}, {bucket}
    code: int
    needle: str  # must appear in the one stderr line
    no_credentials: bool = False


ROWS = [
    # -- faults: could not verify (exit 1), never a silent all-clear ------------------------------
    Row("typo-bucket", ["scan", "s3://clinic-pubilc", "--endpoint-url", "{ep}", "-q"], 1, "no such bucket"),
    Row("dead-endpoint", ["scan", "s3://b", "--endpoint-url", "{dead}", "-q"], 1, "endpoint unreachable"),
    Row(
        "dead-endpoint-not-quiet",
        ["scan", "s3://b", "--endpoint-url", "{dead}", "--format", "json"],
        1,
        "endpoint unreachable",
    ),
    Row("probe-missing-bucket", ["probe", "clinic-pubilc", "--endpoint-url", "{ep}"], 1, "no such bucket"),
    Row("probe-dead-endpoint", ["probe", "b", "--endpoint-url", "{dead}"], 1, "unreachable"),
    Row(
        "snapshot-missing-bucket",
        ["exposure", "snapshot", "s3://clinic-pubilc", "--endpoint-url", "{ep}"],
        1,
        "does not exist",
    ),
    Row(
        "fix-plan-no-credentials",
        ["fix", "plan", "s3://{bucket}", "--endpoint-url", "{ep}"],
        1,
        "no credentials",
        no_credentials=True,
    ),
    Row(
        "snapshot-no-credentials",
        ["exposure", "snapshot", "s3://{bucket}", "--endpoint-url", "{ep}", "-o", "{scratch}/s.json"],
        1,
        "no credentials",
        no_credentials=True,
    ),
    # -- usage mistakes: exit 2 before any work ---------------------------------------------------
    Row("fail-on-bogus", ["scan", "s3://b", "--endpoint-url", "{ep}", "--fail-on", "bogus"], 2, "--fail-on"),
    Row("sample-abc", ["scan", "s3://b", "--endpoint-url", "{ep}", "--sample", "abc"], 2, "--sample"),
    Row("format-bogus", ["scan", "{tmp}", "--format", "pdfx"], 2, "unknown format"),
    Row("endpoint-htp", ["scan", "s3://b", "--endpoint-url", "htp://127.0.0.1:9000"], 2, "--endpoint-url"),
    Row("endpoint-bad-port", ["probe", "b", "--endpoint-url", "http://127.0.0.1:99999"], 2, "--endpoint-url"),
    Row("missing-folder", ["scan", "{scratch}/no-such-folder"], 2, "no such file or folder"),
    Row("gs-scheme", ["scan", "ftp://host/x"], 2, "unsupported scheme"),
    Row("no-target", ["scan"], 2, "give at least one target"),
    Row("resume-unknown", ["scan", "--resume", "20990101T000000Z-abcdef"], 2, "no scan"),
    Row("report-unknown", ["report", "20990101T000000Z-abcdef"], 2, "no scan"),
    Row("mutelist-missing", ["scan", "{tmp}", "--mutelist", "{scratch}/nope.yaml"], 2, "--mutelist"),
    Row("profile-missing", ["scan", "s3://b", "--profile", "no-such-profile-x"], 2, "no-such-profile-x"),
    Row("workers-negative", ["scan", "{tmp}", "--workers", "-1"], 2, "--workers"),
    Row("unknown-option", ["scan", "{tmp}", "--bogus"], 2, "--bogus"),
    Row("unknown-command", ["scna", "{tmp}"], 2, "scna"),
    Row("evaluate-missing-file", ["exposure", "evaluate", "{scratch}/missing.json"], 2, "cannot evaluate"),
    Row("apply-corrupt-plan", ["fix", "apply", "{scratch}/corrupt.json"], 2, "cannot read plan"),
    Row("probe-bad-format", ["probe", "b", "--format", "xml"], 2, "--format"),
]


def _env(tmp: Path, no_credentials: bool) -> dict[str, str]:
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp / "secret.key"), "COLUMNS": "100"}
    env["AWS_CONFIG_FILE"] = str(tmp / "aws-config")  # empty: no profiles but the env keys
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp / "aws-credentials")
    env.pop("PHISCOPE_DEBUG", None)
    if no_credentials:
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(k, None)
        env["AWS_EC2_METADATA_DISABLED"] = "true"  # no instance-metadata lookups
    return env


def _run(args: list[str], tmp: Path, no_credentials: bool = False, timeout: float = 60) -> Any:
    cwd = tmp / "cwd"
    cwd.mkdir(exist_ok=True)
    full = [*args]
    if args and args[0] in ("scan", "report") and "--db" not in args:
        full += ["--db", f"sqlite:///{tmp / 'findings.db'}"]
    if args and args[0] == "scan" and "-o" not in args:
        full += ["-o", str(tmp / "out")]
    return subprocess.run(
        [PHISCOPE, *full],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=_env(tmp, no_credentials),
    )


@pytest.fixture(scope="module")
def live_bucket(s3_server: S3Server) -> str:
    b = s3_server.new_bucket("contract")
    s3_server.client.put_bucket_acl(Bucket=b, ACL="public-read")
    s3_server.client.put_object(Bucket=b, Key="a.txt", Body=b"hello")
    return b


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_mistake_gives_code_and_one_line(
    row: Row, s3_server: S3Server, live_bucket: str, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("nothing\n")
    (tmp_path / "corrupt.json").write_text("{not json")
    dead = f"http://127.0.0.1:{free_port()}"
    subst = {
        "{ep}": s3_server.endpoint_url,
        "{dead}": dead,
        "{tmp}": str(tmp_path / "data"),
        "{scratch}": str(tmp_path),
        "{bucket}": live_bucket,
    }
    args = []
    for a in row.args:
        for k, v in subst.items():
            a = a.replace(k, v)
        args.append(a)
    t0 = time.monotonic()
    proc = _run(args, tmp_path, row.no_credentials)
    took = time.monotonic() - t0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode == row.code, (proc.returncode, proc.stderr, proc.stdout[-500:])
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, lines
    assert len(lines) == 1, lines  # nothing but the one line on stderr
    assert row.needle.lower() in errors[0].lower(), errors[0]
    if row.code == 2 and args[0] == "scan" and "--resume" not in args:
        assert not (tmp_path / "findings.db").exists(), "usage errors are found before any work"
    if "dead" in row.id:
        assert took < 10, f"a dead endpoint must fail fast, took {took:.1f}s"


def test_rows_cover_at_least_fifteen_mistakes() -> None:
    assert len(ROWS) >= 15
    assert {r.code for r in ROWS} == {1, 2}


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """An unexpected failure: one line by default, the traceback with --debug."""
    bad_db = tmp_path / "not-a-dir" / "x" / "f.db"
    (tmp_path / "not-a-dir").write_text("a file, not a folder")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("nothing\n")
    args = ["scan", str(tmp_path / "data"), "--db", f"sqlite:///{bad_db}", "-q"]
    proc = _run(args, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "findings database" in proc.stderr
    proc = _run(["--debug", *args], tmp_path)
    assert proc.returncode == 1 and "Traceback" in proc.stderr


def test_exposure_found_exits_3_everywhere(s3_server: S3Server, live_bucket: str, tmp_path: Path) -> None:
    """Findings/exposure at or above the threshold: 3 from probe, exposure evaluate and fix plan."""
    proc = _run(["probe", live_bucket, "--endpoint-url", s3_server.endpoint_url], tmp_path)
    assert proc.returncode == 3 and "EXPOSED" in proc.stdout, proc.stderr
    snap = tmp_path / "snap.json"
    proc = _run(
        [
            "exposure",
            "snapshot",
            f"s3://{live_bucket}",
            "--endpoint-url",
            s3_server.endpoint_url,
            "-o",
            str(snap),
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    proc = _run(["exposure", "evaluate", str(snap)], tmp_path)
    assert proc.returncode == 3 and json.loads(proc.stdout)["public"] is True
    proc = _run(["fix", "plan", f"s3://{live_bucket}", "--endpoint-url", s3_server.endpoint_url], tmp_path)
    assert proc.returncode == 3, proc.stderr


def test_local_scan_clean_exits_0_and_fail_on_threshold(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("nothing to see here\n")
    proc = _run(["scan", str(tmp_path / "data"), "-q", "--format", "json"], tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_anonymous_mode_is_announced(s3_server: S3Server, live_bucket: str, tmp_path: Path) -> None:
    """No credentials at all: the scan says it only sees what anyone can (and finds the open bucket)."""
    args = [
        "scan",
        f"s3://{live_bucket}",
        "--endpoint-url",
        s3_server.endpoint_url,
        "-M",
        "json",
        "--fail-on",
        "low",
    ]
    proc = _run(args, tmp_path, no_credentials=True, timeout=300)
    assert "Traceback" not in proc.stderr
    assert "no AWS credentials found: anonymous mode" in " ".join(proc.stderr.split())
    assert proc.returncode == 3, proc.stderr
    report = json.loads((tmp_path / "out" / "phiscope-report.json").read_text())
    assert report["scan"]["mode"] == "anonymous" and report["buckets"][0]["verdict"] == "exposed"
