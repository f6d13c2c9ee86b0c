"""Files PHIscope writes are 0600 and its folders 0700 whatever the umask; the key is guarded."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from phiscope.detect.fingerprint import load_or_create_secret

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


def test_outputs_db_and_logs_are_private_under_umask_000(tmp_path: Path) -> None:
    data = tmp_path / "data" / "b"
    data.mkdir(parents=True)
    (data / "p.csv").write_text("name,ssn\nAda Quinnell,123-45-6789\n")
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "cfg" / "secret")}
    out = tmp_path / "out" / "nested"
    cmd = [PHISCOPE, "scan", str(tmp_path / "data"), "--db", f"sqlite:///{tmp_path / 'db' / 'f.db'}"]
    cmd += ["-o", str(out), "--format", "json,csv,html", "--log-json", str(tmp_path / "log.jsonl"), "-q"]
    (tmp_path / "db").mkdir()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, umask=0)
    assert proc.returncode in (0, 3), proc.stderr[-2000:]
    written = [
        tmp_path / "log.jsonl",
        *out.iterdir(),
        *(tmp_path / "db").iterdir(),
        tmp_path / "cfg" / "secret",
    ]
    assert len(written) >= 5
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, (p, oct(p.stat().st_mode))
    for d in (out, out.parent, tmp_path / "cfg"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, (d, oct(d.stat().st_mode))


def test_a_short_secret_is_refused_not_replaced(tmp_path: Path) -> None:
    p = tmp_path / "secret"
    p.write_bytes(b"short")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret(p)
    assert p.read_bytes() == b"short"


def test_a_world_readable_secret_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "secret"
    p.write_bytes(b"k" * 32)
    p.chmod(0o644)
    assert load_or_create_secret(p) == b"k" * 32
    assert "readable by other users" in capsys.readouterr().err


def test_unwritable_output_is_a_clear_error_before_and_after_the_scan(tmp_path: Path) -> None:
    from phiscope.scan.cli import write_outputs

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    data = tmp_path / "data" / "b"
    data.mkdir(parents=True)
    (data / "p.csv").write_text("name\nx\n")
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "secret")}
    cmd = [PHISCOPE, "scan", str(tmp_path / "data"), "--db", f"sqlite:///{tmp_path / 'f.db'}", "-q"]
    proc = subprocess.run(
        [*cmd, "-o", str(blocker / "out")], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1 and "is not a folder" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "f.db").exists()  # refused before scanning
    # the same failure after a scan (disk full, folder replaced meanwhile): exit 1, no traceback
    code = write_outputs({"scan": {"id": "s1"}, "objects": []}, output_dir=blocker / "out", formats=["json"])
    assert code == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_an_unreadable_folder_gets_a_status_not_silence(tmp_path: Path) -> None:
    from phiscope.storage.local import LocalStore

    b = tmp_path / "b"
    (b / "locked").mkdir(parents=True)
    (b / "locked" / "x.csv").write_text("a\n")
    (b / "ok.csv").write_text("a\n")
    (b / "locked").chmod(0)
    try:
        store = LocalStore(tmp_path)
        refs = {r.key: r for r in store.list_objects("b")}
        assert set(refs) == {"ok.csv", "locked/"}
        assert "unreadable folder" in (store.not_regular(refs["locked/"]) or "")
        assert store.not_regular(refs["ok.csv"]) is None
    finally:
        (b / "locked").chmod(0o700)
