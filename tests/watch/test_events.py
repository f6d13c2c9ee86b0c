"""Queue message parsing: S3 notifications, SNS envelopes, EventBridge (CloudTrail and S3), junk."""

from __future__ import annotations

import json

import pytest
from watch_loopback import cloudtrail_message

from phiscope.watch.events import MalformedMessage, parse_message


def s3_record(name: str, key: str, bucket: str = "bkt") -> dict[str, object]:
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": name,
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 12, "eTag": "abc"}},
    }


def test_s3_notification_keys_are_url_decoded() -> None:
    body = json.dumps({"Records": [s3_record("ObjectCreated:Put", "calls/2024+jan/r%C3%A9c.wav")]})
    [ev] = parse_message(body)
    assert (ev.kind, ev.bucket, ev.key, ev.size, ev.etag) == (
        "object_created",
        "bkt",
        "calls/2024 jan/réc.wav",
        12,
        "abc",
    )


def test_removed_and_sns_wrapped() -> None:
    inner = json.dumps({"Records": [s3_record("ObjectRemoved:Delete", "a.csv")]})
    [ev] = parse_message(json.dumps({"Type": "Notification", "Message": inner}))
    assert ev.kind == "object_removed" and ev.key == "a.csv"


@pytest.mark.parametrize(
    "name",
    [
        "PutBucketPolicy",
        "PutBucketAcl",
        "PutPublicAccessBlock",
        "DeletePublicAccessBlock",
        "PutObjectAcl",
        "PutBucketOwnershipControls",
    ],
)
def test_cloudtrail_settings_events(name: str) -> None:
    [ev] = parse_message(cloudtrail_message("bkt", name))
    assert (ev.kind, ev.bucket, ev.detail) == ("settings", "bkt", name)


def test_eventbridge_object_created_and_test_event() -> None:
    doc = {
        "detail-type": "Object Created",
        "source": "aws.s3",
        "detail": {"bucket": {"name": "bkt"}, "object": {"key": "x/y.pdf", "size": 3}},
    }
    [ev] = parse_message(json.dumps(doc))
    assert (ev.kind, ev.key, ev.size) == ("object_created", "x/y.pdf", 3)
    [t] = parse_message(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "bkt"}))
    assert t.kind == "test"


@pytest.mark.parametrize(
    "body",
    [
        "not json at all 512-38-4471",
        "[1, 2]",
        json.dumps({"Records": []}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}),
        json.dumps({"Records": [s3_record("Replication:OperationFailed", "k")]}),
        cloudtrail_message("bkt", "GetObject"),
        json.dumps({"detail-type": "Something Else", "detail": {}}),
    ],
)
def test_malformed_messages_raise_without_quoting_the_body(body: str) -> None:
    with pytest.raises(MalformedMessage) as e:
        parse_message(body)
    assert "512-38-4471" not in str(e.value) and "bkt" not in str(e.value)
