"""Watcher steps driven one at a time (deterministic): per-bucket rate limit with a combined catch-up
alert, a dead endpoint reported as "could not verify" (exit 1) without a crash."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from watch_loopback import Receiver, cloudtrail_message, csv_bytes, public_read_policy, quiet_watch

from conftest import S3Server
from phiscope.storage.embedded import free_port
from phiscope.watch.loop import WatchConfig, Watcher


def test_rate_limit_holds_then_combines(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    hook = Receiver().start()
    w = Watcher(
        quiet_watch(
            targets=[str(folder)],
            hook=hook,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
            max_alerts_per_bucket=1,
            rate_window=3600,
        )
    )
    try:
        (folder / "a.csv").write_bytes(csv_bytes())
        w.step(drift=True, poll=True)
        assert len(hook.requests) == 1
        (folder / "b.csv").write_bytes(csv_bytes())
        (folder / "a.csv").unlink()
        w.step(drift=False, poll=True)
        w.step(drift=False, poll=False)
        assert len(hook.requests) == 1  # held by the per-bucket limit
        assert w.metrics.rate_limited._value.get() >= 1
        w.cfg.rate_window = 0.0  # the window has passed
        w.step(drift=False, poll=False)
        assert len(hook.requests) == 2
        combined = hook.requests[1].json()
        states = {(f["object"].rsplit("/", 1)[-1], f["state"]) for f in combined["findings"]}
        assert ("a.csv", "resolved") in states and ("b.csv", "open") in states
        w.step(drift=False, poll=True)
        assert len(hook.requests) == 2  # nothing left to say
    finally:
        w.close()


def test_dead_endpoint_is_could_not_verify(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    w = Watcher(
        quiet_watch(
            targets=["s3://gone-bucket"],
            endpoint_url=dead,
            once=True,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
        )
    )
    assert w.run() == 1
    assert w.metrics.errors.labels("listing")._value.get() == 1
    last = w.ws.get_state("last_pass")
    assert any("listing" in e for e in last["errors"]) and any("exposure" in e for e in last["errors"])


def test_restart_without_duplicates_on_postgresql(tmp_path: Path) -> None:
    """The same lifecycle on PostgreSQL (the team database): a second watcher process resumes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "db"))
    from pg import TempPostgres, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    pg = TempPostgres().start()
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_bytes())
    hook = Receiver().start()
    cfg = dict(
        targets=[str(folder)],
        alerts=[f"webhook={hook.url}"],
        db_url=pg.url,
        secret=b"k" * 32,
        ocr=False,
        audio=False,
    )
    try:
        w = Watcher(WatchConfig(**cfg))  # type: ignore[arg-type]
        w.step(drift=True, poll=True)
        w.close()
        assert len(hook.requests) == 1
        w2 = Watcher(WatchConfig(**cfg))  # type: ignore[arg-type]
        assert w2.scan_id == w.scan_id
        w2.step(drift=True, poll=True)
        w2.step(drift=True, poll=True)
        assert len(hook.requests) == 1  # nothing re-alerted
        (folder / "a.csv").unlink()
        w2.step(drift=False, poll=True)
        w2.close()
        assert len(hook.requests) == 2 and hook.requests[1].json()["event"] == "resolved"
    finally:
        pg.stop()


def test_throttled_endpoint_still_alerts(s3: S3Server, tmp_path: Path) -> None:
    """Every third S3 request answered 503 SlowDown: retried by the SDK, the alert still comes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scan"))
    from throttle_proxy import ThrottlingProxy

    bucket = s3.new_bucket("slow")
    s3.client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    hook = Receiver().start()
    with ThrottlingProxy(s3.endpoint_url, every=3) as proxy:
        w = Watcher(
            quiet_watch(
                targets=[f"s3://{bucket}"],
                endpoint_url=proxy.url,
                hook=hook,
                db_url=f"sqlite:///{tmp_path / 'w.db'}",
            )
        )
        try:
            w.step(drift=True, poll=True)
            s3.client.put_object(Bucket=bucket, Key="late.csv", Body=csv_bytes())
            w.step(drift=True, poll=True)
        finally:
            w.close()
    assert proxy.throttled >= 3
    kinds = {(f["kind"], f["state"]) for r in hook.requests for f in r.json()["findings"]}
    assert {("anonymous:read", "open"), ("US_SSN", "open")} <= kinds


def test_put_object_acl_event_reevaluates_that_object(s3: S3Server, tmp_path: Path) -> None:
    """A CloudTrail PutObjectAcl event makes one object public: the bucket is re-evaluated with that
    key's ACL, at once, not at the next interval."""
    from phiscope.watch.events import parse_message

    bucket = s3.new_bucket("objacl")
    s3.client.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.client.put_object(Bucket=bucket, Key="one.csv", Body=csv_bytes())
    hook = Receiver().start()
    w = Watcher(
        quiet_watch(
            targets=[f"s3://{bucket}"],
            endpoint_url=s3.endpoint_url,
            interval=3600,
            hook=hook,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
        )
    )
    try:
        w.step(drift=True, poll=True)
        assert len(hook.requests) == 1 and hook.requests[0].json()["exposure"]["level"] == "none"
        s3.client.put_object_acl(Bucket=bucket, Key="one.csv", ACL="public-read")
        msg = json.loads(cloudtrail_message(bucket, "PutObjectAcl"))
        msg["detail"]["requestParameters"]["key"] = "one.csv"
        for ev in parse_message(json.dumps(msg)):
            w.apply_event(ev, "sqs")
        w.step(drift=False, poll=False)
        assert len(hook.requests) == 2
        second = hook.requests[1].json()
        assert second["exposure"]["level"] == "public"
        assert ("anonymous:read", "open") in {(f["kind"], f["state"]) for f in second["findings"]}
    finally:
        w.close()
