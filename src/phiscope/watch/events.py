"""Queue messages → watch events. Pure parsing, no I/O.

Accepted bodies (also wrapped in an SNS notification envelope):
- S3 event notifications (`Records[].eventName` `ObjectCreated:*` / `ObjectRemoved:*`), and the
  `s3:TestEvent` S3 sends when a notification is configured;
- EventBridge `Object Created` / `Object Deleted` events from S3;
- EventBridge `AWS API Call via CloudTrail` events for S3 settings calls (PutBucketPolicy,
  PutBucketAcl, PutPublicAccessBlock, ...): they trigger an immediate re-evaluation of the bucket.

Anything else is `MalformedMessage`; its text never includes the body (it may hold anything).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

# CloudTrail management events that can change who reaches a bucket or its objects.
SETTINGS_EVENTS = frozenset(
    {
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "PutBucketAcl",
        "PutPublicAccessBlock",
        "DeletePublicAccessBlock",
        "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock",
        "PutAccountPublicAccessBlock",
        "DeleteAccountPublicAccessBlock",
        "PutObjectAcl",
        "PutBucketOwnershipControls",
        "DeleteBucketOwnershipControls",
        "PutAccessPointPolicy",
        "DeleteAccessPointPolicy",
        "CreateAccessPoint",
        "DeleteAccessPoint",
        "PutBucketWebsite",
        "DeleteBucketWebsite",
        "PutBucketCors",
        "CreateBucket",
    }
)


class MalformedMessage(ValueError):
    """A queue message that is not one of the accepted shapes."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    kind: str  # object_created | object_removed | settings | test
    bucket: str | None
    key: str | None = None
    size: int | None = None
    etag: str | None = None
    detail: str | None = None  # S3 eventName or CloudTrail eventName


def parse_message(body: str) -> list[WatchEvent]:
    """All events in one SQS message body; raises MalformedMessage when it is not understood."""
    try:
        doc = json.loads(body)
    except (ValueError, TypeError):
        raise MalformedMessage("not JSON") from None
    if not isinstance(doc, dict):
        raise MalformedMessage("not a JSON object")
    if doc.get("Type") == "Notification" and isinstance(doc.get("Message"), str):
        return parse_message(doc["Message"])  # SNS fan-out to SQS
    if "Records" in doc:
        return _s3_records(doc["Records"])
    if doc.get("Event") == "s3:TestEvent":
        return [WatchEvent("test", _str(doc.get("Bucket")), detail="s3:TestEvent")]
    if "detail-type" in doc:
        return _eventbridge(doc)
    raise MalformedMessage("unknown message shape")


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _s3_records(records: Any) -> list[WatchEvent]:
    if not isinstance(records, list) or not records:
        raise MalformedMessage("Records is not a non-empty list")
    out: list[WatchEvent] = []
    for r in records:
        if not isinstance(r, dict):
            raise MalformedMessage("record is not an object")
        name = _str(r.get("eventName")) or ""
        s3 = r.get("s3")
        if not isinstance(s3, dict):
            raise MalformedMessage("record has no s3 section")
        bucket = _str((s3.get("bucket") or {}).get("name"))
        obj = s3.get("object") or {}
        raw_key = _str(obj.get("key")) if isinstance(obj, dict) else None
        if bucket is None or raw_key is None:
            raise MalformedMessage("record without bucket name or object key")
        key = unquote_plus(raw_key)  # S3 URL-encodes keys in notifications (space as '+')
        if name.startswith("ObjectCreated:") or name.startswith("ObjectRestore:Completed"):
            kind = "object_created"
        elif name.startswith("ObjectRemoved:") or name.startswith("LifecycleExpiration:"):
            kind = "object_removed"
        elif name.startswith("ObjectAcl:"):
            kind = "settings"  # an object ACL changed: re-evaluate who can read it
        else:
            raise MalformedMessage("unsupported S3 eventName")
        size = obj.get("size")
        etag = _str(obj.get("eTag"))
        out.append(
            WatchEvent(
                kind,
                bucket,
                key,
                int(size) if isinstance(size, int | float) else None,
                etag.strip('"') if etag else None,
                name[:64],
            )
        )
    return out


def _eventbridge(doc: dict[str, Any]) -> list[WatchEvent]:
    dtype = doc.get("detail-type")
    detail = doc.get("detail")
    if not isinstance(detail, dict):
        raise MalformedMessage("EventBridge event without detail")
    if dtype in ("AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"):
        name = _str(detail.get("eventName"))
        if name is None:
            raise MalformedMessage("CloudTrail event without eventName")
        params = detail.get("requestParameters")
        params = params if isinstance(params, dict) else {}
        bucket = _str(params.get("bucketName"))
        if name not in SETTINGS_EVENTS:
            raise MalformedMessage("CloudTrail event that does not change exposure")
        # Account-level calls (PutAccountPublicAccessBlock) carry no bucket: every bucket is re-read.
        return [WatchEvent("settings", bucket, _str(params.get("key")), detail=name)]
    if dtype in ("Object Created", "Object Deleted"):
        bucket = _str((detail.get("bucket") or {}).get("name"))
        obj = detail.get("object") or {}
        key = _str(obj.get("key")) if isinstance(obj, dict) else None
        if bucket is None or key is None:
            raise MalformedMessage("S3 EventBridge event without bucket or key")
        size = obj.get("size")
        return [
            WatchEvent(
                "object_created" if dtype == "Object Created" else "object_removed",
                bucket,
                key,
                int(size) if isinstance(size, int | float) else None,
                _str(obj.get("etag")),
                str(dtype),
            )
        ]
    raise MalformedMessage("unsupported EventBridge detail-type")
