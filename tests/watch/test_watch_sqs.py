"""`phiscope watch` end to end against real loopback peers: moto (S3 → SQS notifications, SQS,
Security Hub), an HTTP webhook receiver, a Slack-shaped receiver and an SMTP server with STARTTLS.

One watcher sees: a CSV with SSNs land (S3 event), the bucket made public (CloudTrail-shaped event on
the same queue), the exposure closed (resolved alert). Every byte that leaves it is checked for raw
values; so is every watch table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from watch_loopback import (
    Receiver,
    Running,
    SmtpServer,
    assert_no_raw_values,
    cloudtrail_message,
    csv_bytes,
    make_queue,
    notify_queue,
    public_read_policy,
)

from conftest import S3Server
from phiscope.watch.loop import WatchConfig, Watcher

SECRET = b"shared-webhook-secret"


def _has(kind: str, state: str):
    def pred(reqs: list) -> bool:  # type: ignore[type-arg]
        return any(any(f["kind"] == kind and f["state"] == state for f in r.json()["findings"]) for r in reqs)

    return pred


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    server = SmtpServer(tmp_path).start()
    monkeypatch.setenv("PHISCOPE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PHISCOPE_SMTP_PORT", str(server.port))
    monkeypatch.setenv("PHISCOPE_SMTP_CAFILE", str(server.cert))
    monkeypatch.setenv("PHISCOPE_SMTP_FROM", "guard@example.org")
    yield server
    server.stop()


def test_sqs_watch_alerts_every_channel_without_raw_values(
    s3: S3Server, tmp_path: Path, smtp: SmtpServer
) -> None:
    bucket = s3.new_bucket("watch")
    sqs, qurl, qarn = make_queue(s3.endpoint_url, f"{bucket}-events")
    notify_queue(s3.client, bucket, qarn)
    hook, slack = Receiver().start(), Receiver().start()
    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = WatchConfig(
        targets=[f"s3://{bucket}"],
        endpoint_url=s3.endpoint_url,
        queue_url=qurl,
        interval=30,
        alerts=[
            f"webhook={hook.url}/h",
            f"slack={slack.url}/services/T0/B0/x",
            "email=dpo@example.org",
            "securityhub",
        ],
        db_url=db_url,
        metrics_addr="127.0.0.1:0",
        secret=b"k" * 32,
        webhook_secret=SECRET,
        ocr=False,
        audio=False,
    )
    watcher = Watcher(cfg)
    with Running(watcher):
        # 1. health data lands in a private bucket
        s3.client.put_object(Bucket=bucket, Key="exports/patients 2024.csv", Body=csv_bytes())
        assert hook.wait_for(_has("US_SSN", "open")), "no alert for the new CSV"
        # 2. the bucket becomes public: CloudTrail → EventBridge → the same queue
        s3.client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        sqs.send_message(QueueUrl=qurl, MessageBody=cloudtrail_message(bucket, "PutBucketPolicy"))
        assert hook.wait_for(_has("anonymous:read", "open")), "no alert for the exposure"
        # 3. closed: resolved alert
        s3.client.delete_bucket_policy(Bucket=bucket)
        sqs.send_message(QueueUrl=qurl, MessageBody=cloudtrail_message(bucket, "DeleteBucketPolicy"))
        assert hook.wait_for(_has("anonymous:read", "resolved")), "no resolved alert"
        assert slack.wait_for(lambda r: len(r) >= 3) and smtp.wait_for(3)
        assert watcher.metrics_server is not None
        base = watcher.metrics_server.address
        metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())

    bodies = hook.bodies()
    assert len(bodies) == 3, [b["summary"] for b in bodies]  # de-duplicated: one alert per change
    data_alert, public_alert, resolved_alert = bodies
    assert data_alert["people_affected"] == 4 and "identity" in data_alert["categories"]
    assert public_alert["severity"] == "critical" and public_alert["exposure"]["level"] == "public"
    assert public_alert["fix"].startswith(f"phiscope fix plan s3://{bucket}")
    assert resolved_alert["event"] == "resolved" and resolved_alert["counts"]["opened"] == 0
    assert any(
        f["object"].endswith("exports/patients 2024.csv") for f in data_alert["findings"] if f["object"]
    )
    # signature: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret
    for r in hook.requests:
        ts = r.headers["x-phiscope-timestamp"]
        want = "sha256=" + hmac.new(SECRET, ts.encode() + b"." + r.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(r.headers["x-phiscope-signature"], want)
        assert r.headers["x-phiscope-delivery"] == r.json()["id"]
    # Slack blocks
    msg = slack.bodies()[1]
    assert msg["blocks"][0]["type"] == "header" and "PHIscope" in msg["text"]
    assert any(b.get("type") == "section" and "fields" in b for b in msg["blocks"])
    # e-mail went over STARTTLS, to the configured address
    assert all(tls and rcpt == ["dpo@example.org"] for _, tls, rcpt in smtp.messages)
    # Security Hub (moto): ASFF findings, the exposure ones archived/resolved once closed
    hub = boto3.client("securityhub", endpoint_url=s3.endpoint_url, region_name="us-east-1")
    found = hub.get_findings(MaxResults=100)["Findings"]
    mine = {f["Id"]: f for f in found if f["Resources"][0]["Id"].startswith(f"arn:aws:s3:::{bucket}")}
    read_id = next(f["id"] for f in resolved_alert["findings"] if f["kind"] == "anonymous:read")
    assert mine[f"phiscope/{read_id}"]["RecordState"] == "ARCHIVED"
    assert mine[f"phiscope/{read_id}"]["Workflow"]["Status"] == "RESOLVED"
    assert any(f["Types"][0].startswith("Sensitive Data Identifications") for f in mine.values())
    # metrics and health
    assert 'phiscope_watch_alerts_sent_total{channel="webhook"} 3.0' in metrics
    assert 'phiscope_watch_events_total{kind="settings",source="sqs"} 2.0' in metrics
    assert "phiscope_watch_lag_seconds" in metrics
    assert health["status"] == "ok"
    # no raw value anywhere: webhook, Slack, e-mail, Security Hub, the watch tables
    texts = [r.body.decode() for r in hook.requests + slack.requests]
    texts += [m[0].decode(errors="replace") for m in smtp.messages]
    texts.append(json.dumps(list(mine.values()), default=str))
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        for table in ("watch_alerts", "watch_findings", "watch_events", "watch_state", "watch_deliveries"):
            texts.append(
                json.dumps([list(r) for r in c.execute(sa.text(f"select * from {table}"))], default=str)
            )
    for t in texts:
        assert_no_raw_values(t)
    # the queue is empty: every message was deleted after its event was recorded
    attrs = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["All"])["Attributes"]
    assert (
        attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


def test_malformed_messages_and_a_down_target_are_counted_not_fatal(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket("junk")
    sqs, qurl, qarn = make_queue(s3.endpoint_url, f"{bucket}-events")
    notify_queue(s3.client, bucket, qarn)
    flaky = Receiver(fail_next=2).start()  # answers 500 twice, then accepts
    dead = Receiver().start()
    dead_url = dead.url
    dead.stop()  # nothing listens there any more
    cfg = WatchConfig(
        targets=[f"s3://{bucket}"],
        endpoint_url=s3.endpoint_url,
        queue_url=qurl,
        alerts=[f"webhook={flaky.url}", f"webhook={dead_url}"],
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        secret=b"k" * 32,
        ocr=False,
        audio=False,
        backoff_base=0.2,
        backoff_max=0.5,
        max_attempts=50,
    )
    watcher = Watcher(cfg)
    with Running(watcher):
        sqs.send_message(QueueUrl=qurl, MessageBody="{not json; ssn 456-78-9123")
        sqs.send_message(QueueUrl=qurl, MessageBody=json.dumps({"Records": [{"eventName": "x"}]}))
        s3.client.put_object(Bucket=bucket, Key="p.csv", Body=csv_bytes())
        assert flaky.wait_for(_has("US_SSN", "open")), "alert not delivered after retries"
    counts = watcher.ws.event_counts()
    assert counts.get("malformed") == 2 and counts.get("object_created") == 1
    deliveries = watcher.ws.delivery_counts()
    assert deliveries.get("sent") == 1 and deliveries.get("pending") == 1  # the dead one keeps retrying
    assert watcher.metrics.malformed._value.get() == 2
    failures = watcher.metrics.send_failures.labels("webhook")._value.get()
    assert failures >= 3  # two 500s on the flaky target, at least one refused connection
    for r in flaky.requests:
        assert_no_raw_values(r.body.decode())
