"""An object key is content: a key holding a name and an SSN never reaches what the watcher keeps or
sends (every row and column of every table, the SQLite file's bytes, alert payloads on every channel,
its log, /metrics), in SQS, polling and local-folder modes; the masked form, as scans store it, does.
The ledger is keyed by fingerprint, and a restart still alerts once per change."""

from __future__ import annotations

import json
import logging
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from watch_loopback import (
    PEOPLE,
    RAW_VALUES,
    Receiver,
    Running,
    SmtpServer,
    assert_no_raw_values,
    cloudtrail_message,
    csv_bytes,
    make_queue,
    notify_queue,
    public_read_policy,
    quiet_watch,
)

from conftest import S3Server
from phiscope.textsafe import mask_label
from phiscope.watch.loop import Watcher

NAME, SSN = PEOPLE[1][0], PEOPLE[1][1]
KEY = f"exports/{NAME} {SSN}.csv"  # what an export job names a file
SHOWN = mask_label(KEY)  # e******/B*** O***** ###-##-####.csv (then ~ and 10 hex of its fingerprint)
RAW = [KEY, NAME, SSN, *RAW_VALUES]


def _kinds(reqs: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f["kind"], f["state"]) for r in reqs for f in r.json()["findings"]}


def db_rows(db: Path) -> dict[str, str]:
    """Every row and column of every table of the database, as text, by table."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as c:
            return {
                t: json.dumps([list(r) for r in c.execute(sa.text(f'select * from "{t}"'))], default=str)
                for t in sa.inspect(c).get_table_names()
            }
    finally:
        engine.dispose()


def db_bytes(db: Path) -> bytes:
    """The SQLite file with its write-ahead log and shared-memory file: what is on disk."""
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def assert_nowhere(texts: list[str], blob: bytes) -> None:
    for t in texts:
        assert_no_raw_values(t)
        assert KEY not in t and NAME not in t
    for v in RAW:
        for enc in ("utf-8", "utf-16-le"):
            assert v.encode(enc) not in blob, f"raw value #{RAW.index(v)} in the database file ({enc})"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG, logger="phiscope")  # every level of the watcher's own log
    yield caplog


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    monkeypatch.setenv("PHISCOPE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PHISCOPE_SMTP_PORT", str(server.port))
    monkeypatch.setenv("PHISCOPE_SMTP_CAFILE", str(server.cert))
    yield server
    server.stop()


def test_sqs_mode_keeps_and_sends_only_the_masked_key(
    s3: S3Server, tmp_path: Path, smtp: SmtpServer, logs: pytest.LogCaptureFixture
) -> None:
    bucket = s3.new_bucket("keys")
    sqs, qurl, qarn = make_queue(s3.endpoint_url, f"{bucket}-events")
    notify_queue(s3.client, bucket, qarn)
    hook, slack = Receiver().start(), Receiver().start()
    db = tmp_path / "w.db"
    cfg = quiet_watch(
        targets=[f"s3://{bucket}"],
        endpoint_url=s3.endpoint_url,
        queue_url=qurl,
        alerts=[f"webhook={hook.url}", f"slack={slack.url}/s", "email=dpo@example.org", "securityhub"],
        db_url=f"sqlite:///{db}",
        metrics_addr="127.0.0.1:0",
    )
    watcher = Watcher(cfg)
    with Running(watcher):
        s3.client.put_object(Bucket=bucket, Key=KEY, Body=csv_bytes())
        assert hook.wait_for(lambda r: ("US_SSN", "open") in _kinds(r)), "no alert for the object"
        # public: the owner-side verdict quotes the object keys it sampled
        s3.client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        sqs.send_message(QueueUrl=qurl, MessageBody=cloudtrail_message(bucket, "PutBucketPolicy"))
        assert hook.wait_for(lambda r: ("anonymous:read", "open") in _kinds(r)), "no exposure alert"
        # the object goes: the event names it, the ledger finds it by fingerprint
        s3.client.delete_object(Bucket=bucket, Key=KEY)
        assert hook.wait_for(lambda r: ("US_SSN", "resolved") in _kinds(r)), "no resolved alert"
        assert slack.wait_for(lambda r: len(r) >= 3) and smtp.wait_for(3)
        assert watcher.metrics_server is not None
        metrics = (
            urllib.request.urlopen(watcher.metrics_server.address + "/metrics", timeout=10).read().decode()
        )

    objects = [f["object"] for b in hook.bodies() for f in b["findings"] if f["object"]]
    assert objects and all(f"/{SHOWN}~" in o for o in objects), objects
    hub = boto3.client("securityhub", endpoint_url=s3.endpoint_url, region_name="us-east-1")
    asff = [f for f in hub.get_findings(MaxResults=100)["Findings"] if bucket in f["Resources"][0]["Id"]]
    assert any(SHOWN in f["Resources"][0]["Id"] for f in asff)
    rows = db_rows(db)
    assert SHOWN in rows["watch_findings"] and SHOWN in rows["buckets"]  # the verdict's sampled key
    assert rows["watch_objects"] == "[]"  # deleted: forgotten
    assert f"/{SHOWN}~" in logs.text  # "scanned s3://…/<masked>~<fingerprint>"
    assert "phiscope_watch_objects_scanned_total" in metrics and bucket not in metrics
    texts = [r.body.decode() for r in hook.requests + slack.requests]
    texts += [m[0].decode(errors="replace") for m in smtp.messages]
    texts += [json.dumps(asff, default=str), logs.text, metrics, *rows.values()]
    assert_nowhere(texts, db_bytes(db))


def test_polling_restart_matches_the_ledger_by_fingerprint(
    s3: S3Server, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    bucket = s3.new_bucket("keyspoll")
    s3.client.put_object(Bucket=bucket, Key=KEY, Body=csv_bytes())
    s3.client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    hook = Receiver().start()
    db = tmp_path / "w.db"
    cfg = quiet_watch(
        [f"s3://{bucket}"], f"sqlite:///{db}", hook, endpoint_url=s3.endpoint_url, metrics_addr="127.0.0.1:0"
    )
    w = Watcher(cfg)
    try:
        w.step(drift=True, poll=True)
    finally:
        w.close()
    assert len(hook.requests) == 1
    assert {("US_SSN", "open"), ("anonymous:read", "open")} <= _kinds(hook.requests)
    ledger = json.loads(db_rows(db)["watch_objects"])
    assert len(ledger) == 1 and len(ledger[0][2]) == 64 and ledger[0][3].startswith(f"{SHOWN}~")

    w2 = Watcher(cfg)
    try:
        assert w2.scan_id == w.scan_id
        w2.start_services()
        w2.step(drift=True, poll=True)
        w2.step(drift=True, poll=True)
        assert len(hook.requests) == 1  # nothing re-alerted
        scanned = sum(s.value for m in w2.metrics.objects.collect() for s in m.samples)
        assert scanned == 0  # the listing found its ledger row: nothing scanned again
        assert SHOWN in db_rows(db)["buckets"]  # the ACL sample was rebuilt from the listing
        s3.client.delete_object(Bucket=bucket, Key=KEY)
        w2.step(drift=False, poll=True)
        assert len(hook.requests) == 2 and ("US_SSN", "resolved") in _kinds(hook.requests[1:])
        assert w2.metrics_server is not None
        metrics = urllib.request.urlopen(w2.metrics_server.address + "/metrics", timeout=10).read().decode()
    finally:
        w2.close()
    objects = [f["object"] for r in hook.requests for f in r.json()["findings"] if f["object"]]
    assert objects and all(f"/{SHOWN}~" in o for o in objects)
    rows = db_rows(db)
    assert rows["watch_objects"] == "[]" and json.loads(rows["watch_events"])  # events by fingerprint
    texts = [r.body.decode() for r in hook.requests] + [logs.text, metrics, *rows.values()]
    assert_nowhere(texts, db_bytes(db))


def test_local_folder_mode(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "notes.txt").write_text("meeting notes\n")
    hook = Receiver().start()
    db = tmp_path / "w.db"
    cfg = quiet_watch(
        [str(folder)],
        f"sqlite:///{db}",
        hook,
        interval=3600,  # only filesystem events bring changes in time
        metrics_addr="127.0.0.1:0",
    )
    with Running(Watcher(cfg)) as watcher:
        (folder / "exports").mkdir()
        (folder / KEY).write_bytes(csv_bytes())
        assert hook.wait_for(lambda r: ("US_SSN", "open") in _kinds(r)), "no alert for the file"
        shutil.rmtree(folder / "exports")  # a whole folder goes
        assert hook.wait_for(lambda r: ("US_SSN", "resolved") in _kinds(r)), "no resolved alert"
        metrics = (
            urllib.request.urlopen(watcher.metrics_server.address + "/metrics", timeout=10).read().decode()
        )
    assert 'phiscope_watch_events_total{kind="change",source="fs"}' in metrics
    objects = [f["object"] for r in hook.requests for f in r.json()["findings"] if f["object"]]
    assert objects and all(f"/{SHOWN}~" in o for o in objects)
    assert f"/{SHOWN}~" in logs.text
    rows = db_rows(db)
    texts = [r.body.decode() for r in hook.requests] + [logs.text, metrics, *rows.values()]
    assert_nowhere(texts, db_bytes(db))


def test_a_vanished_folder_is_found_by_listing(tmp_path: Path) -> None:
    """The ledger has no keys to match a folder's prefix: a path that vanished and is not in the
    ledger makes the watcher list the bucket again, which finds what went."""
    folder = tmp_path / "drop"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "a.csv").write_bytes(csv_bytes())
    (folder / "keep.txt").write_text("x\n")
    hook = Receiver().start()
    w = Watcher(
        quiet_watch(
            targets=[str(folder)],
            hook=hook,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
        )
    )
    try:
        w.step(drift=True, poll=True)
        assert ("US_SSN", "open") in _kinds(hook.requests)
        bucket = next(iter(w.by_bucket))
        assert len(w.ws.versions(bucket)) == 2
        shutil.rmtree(folder / "exports")
        assert w.local_change(bucket, "exports") is True  # not an object: list again
        assert w.local_change(bucket, "exports/a.csv") is False  # an object: removed by fingerprint
        assert len(w.ws.versions(bucket)) == 1  # keep.txt
    finally:
        w.close()
