"""State survives the process: a restart does not re-alert, and a watcher killed with SIGKILL in the
middle of an object loses no queued event (the message is deleted only after the object is recorded).
Also: local folders through filesystem events, and `--once` exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from watch_loopback import (
    HoldingProxy,
    Receiver,
    Running,
    assert_no_raw_values,
    csv_bytes,
    make_queue,
    notify_queue,
    public_read_policy,
)

from conftest import S3Server
from phiscope.watch.loop import WatchConfig, Watcher

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        XDG_DATA_HOME=str(tmp / "data"),  # the fingerprint secret of this "installation"
        PHISCOPE_WEBHOOK_SECRET="s3cret",
    )
    env.pop("AWS_PROFILE", None)
    return env


def _kinds(body: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f["kind"], f["state"]) for f in body["findings"]}


def test_once_restarts_never_realert(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket("cron")
    s3.client.put_object(Bucket=bucket, Key="a.csv", Body=csv_bytes())
    s3.client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    hook = Receiver().start()
    db = f"sqlite:///{tmp_path / 'w.db'}"
    cmd = [
        PHISCOPE,
        "watch",
        f"s3://{bucket}",
        "--endpoint-url",
        s3.endpoint_url,
        "--once",
        "--db",
        db,
        "--alert",
        f"webhook={hook.url}",
        "--no-ocr",
        "--no-audio",
        "-q",
    ]

    def once() -> int:
        return subprocess.run(cmd, env=_env(tmp_path), capture_output=True, timeout=300).returncode

    assert once() == 3  # public bucket with PHI: findings
    assert len(hook.requests) == 1
    first = hook.requests[0].json()
    assert {("anonymous:read", "open"), ("US_SSN", "open")} <= _kinds(first)
    assert once() == 3  # restart: same state, nothing new
    assert len(hook.requests) == 1
    s3.client.put_object(Bucket=bucket, Key="b.csv", Body=csv_bytes())
    assert once() == 3
    assert len(hook.requests) == 2
    second = hook.requests[1].json()
    assert {f["object"].rsplit("/", 1)[-1] for f in second["findings"]} == {"b.csv"}  # only the new object
    s3.client.delete_bucket_policy(Bucket=bucket)
    assert once() == 0  # closed: data remains, in a private bucket (below --fail-on high)
    assert len(hook.requests) == 3
    assert ("anonymous:read", "resolved") in _kinds(hook.requests[2].json())
    for r in hook.requests:
        assert_no_raw_values(r.body.decode())


def _wait_log(proc: subprocess.Popen[str], needle: str) -> list[str]:
    """The watcher's log lines up to the first that holds `needle` (blocks on the log, no sleeping)."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"watcher exited ({proc.wait()}) before logging {needle!r}")


def _wait_ready(proc: subprocess.Popen[str]) -> list[str]:
    return _wait_log(proc, "ready")


def test_killed_watcher_loses_no_queued_event(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket("kill")
    sqs, qurl, qarn = make_queue(s3.endpoint_url, f"{bucket}-events")
    notify_queue(s3.client, bucket, qarn)
    proxy = HoldingProxy(s3.endpoint_url, hold="victim.csv")
    hook = Receiver().start()
    cmd = [
        PHISCOPE,
        "watch",
        f"s3://{bucket}",
        "--endpoint-url",
        proxy.url,
        "--queue-url",
        qurl,
        "--visibility-timeout",
        "2",
        "--db",
        f"sqlite:///{tmp_path / 'w.db'}",
        "--alert",
        f"webhook={hook.url}",
        "--no-ocr",
        "--no-audio",
    ]
    env = _env(tmp_path)
    try:
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        _wait_ready(proc)
        s3.client.put_object(Bucket=bucket, Key="in/victim.csv", Body=csv_bytes())
        assert proxy.holding.wait(60), "the watcher never fetched the object"
        proc.send_signal(signal.SIGKILL)  # mid-object: received, not recorded
        proc.wait(30)
        attrs = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["All"])["Attributes"]
        assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"  # still on the queue, in flight
        assert hook.requests == []
        proxy.hold = "\x00never"  # same endpoint (same watcher state), downloads flow again
        proxy.release.set()
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        # The message comes back once its visibility timeout ends: in the first pass, or after it
        # (then the first pass's listing may have scanned the object already, and the message is a
        # no-op). Either way it is processed and deleted before the watcher says so.
        if not any("queue message" in line for line in _wait_ready(proc)):
            _wait_log(proc, "queue message")
        assert hook.wait_for(lambda rs: any(("US_SSN", "open") in _kinds(r.json()) for r in rs), 60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0  # a clean stop
        attrs = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["All"])["Attributes"]
        assert (
            attrs["ApproximateNumberOfMessages"] == "0"
            and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
        )
        assert len(hook.requests) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        proxy.stop()


def test_local_folder_filesystem_events(tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "readme.txt").write_text("meeting notes\n")
    hook = Receiver().start()
    cfg = WatchConfig(
        targets=[str(folder)],
        interval=3600,  # only filesystem events can bring the new file in time
        alerts=[f"webhook={hook.url}"],
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        secret=b"k" * 32,
        ocr=False,
        audio=False,
    )
    with Running(Watcher(cfg)):
        (folder / "sub").mkdir()
        (folder / "sub" / "export.csv").write_bytes(csv_bytes())
        assert hook.wait_for(lambda rs: any(("US_SSN", "open") in _kinds(r.json()) for r in rs), 60)
        (folder / "sub" / "export.csv").unlink()
        assert hook.wait_for(lambda rs: any(("US_SSN", "resolved") in _kinds(r.json()) for r in rs), 60)
    bodies = hook.bodies()
    assert bodies[0]["fix"].startswith("restrict access to the folder")
    assert all(f["object"].endswith("sub/export.csv") for b in bodies for f in b["findings"])
    for r in hook.requests:
        assert_no_raw_values(r.body.decode())


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path)
    r = subprocess.run([PHISCOPE, "watch"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    r = subprocess.run(
        [PHISCOPE, "watch", str(tmp_path), "--alert", "pager=1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "unknown alert spec" in r.stderr


@pytest.mark.parametrize("bad", ["--interval=0", "--min-severity=urgent", "--metrics=0.0.0.0:9464"])
def test_bad_options(tmp_path: Path, bad: str) -> None:
    r = subprocess.run(
        [PHISCOPE, "watch", str(tmp_path), bad], env=_env(tmp_path), capture_output=True, timeout=60
    )
    assert r.returncode == 2


def test_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "x.csv").write_bytes(csv_bytes())
    hook = Receiver().start()
    conf = tmp_path / "watch.yaml"
    conf.write_text(
        json.dumps(
            {
                "targets": [str(folder)],
                "alerts": [f"webhook={hook.url}"],
                "db": f"sqlite:///{tmp_path / 'w.db'}",
                "no_ocr": True,
                "no_audio": True,
            }
        )
    )
    r = subprocess.run(
        [PHISCOPE, "watch", "--once", "--config", str(conf), "--fail-on", "low"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=300,
    )
    assert r.returncode == 3, r.stderr
    assert len(hook.requests) == 1
