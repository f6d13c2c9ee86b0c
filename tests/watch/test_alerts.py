"""Alert bodies and channel renderings (pure): what an alert says, and what it never says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from watch_loopback import assert_no_raw_values

from phiscope.db.watch import FindingState
from phiscope.watch.alerts import (
    SmtpSettings,
    alert_text,
    asff_findings,
    build_alert,
    parse_alert_spec,
    slack_message,
)

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _fs(uid: str, family: str, kind: str, status: str = "open", key: str | None = None) -> FindingState:
    return FindingState(
        uid=uid,
        family=family,
        bucket="medcall",
        key=key,
        kind=kind,
        category="identity" if key else None,
        severity="critical",
        title=f"{kind} in medcall",
        exposure="anonymous:read",
        count=40,
        status=status,
        alerted=None,
        first_seen=T,
        last_seen=T,
        resolved_at=T if status == "resolved" else None,
    )


BUCKET = {
    "name": "medcall",
    "exposure": {"public": True, "access": {"anonymous": {"read": True, "list": True}}},
    "exposure_level": "public",
    "people_affected": 37,
    "categories": ["health", "identity"],
    "severity": "critical",
    "contains_phi": True,
    "health": True,
    # what a careless builder could leak: the alert must not copy it
    "detections_by_type": {"US_SSN": 40},
    "masked_examples": ["***-**-4471"],
}


def test_alert_says_what_where_how_who_and_fix() -> None:
    changes = [_fs("e1", "exposure", "anonymous:read"), _fs("d1", "data", "US_SSN", key="calls/c1.wav")]
    body = build_alert("w-1", BUCKET, changes, endpoint=None)
    assert body["severity"] == "critical" and body["event"] == "opened"
    assert body["exposure"] == {
        "level": "public",
        "kinds": ["anonymous:list", "anonymous:read"],
        "public": True,
    }
    assert body["people_affected"] == 37 and body["categories"] == ["health", "identity"]
    assert body["fix"] == "phiscope fix plan s3://medcall"
    assert [f["id"] for f in body["findings"]] == ["e1", "d1"]  # exposure first
    assert body["findings"][1]["object"] == "s3://medcall/calls/c1.wav"
    assert "***" not in str(body)  # not even masked examples travel in alerts
    text = alert_text(body)
    assert "Fix: phiscope fix plan s3://medcall" in text and "People affected: 37" in text
    slack = slack_message(body)
    assert slack["blocks"][0]["type"] == "header" and len(slack["text"]) <= 150
    resolved = build_alert(
        "w-1", BUCKET, [_fs("e1", "exposure", "anonymous:read", "resolved")], endpoint=None
    )
    assert resolved["event"] == "resolved" and resolved["severity"] == "info"


def test_asff_shape() -> None:
    body = build_alert(
        "w-1",
        BUCKET,
        [_fs("e1", "exposure", "anonymous:read", "resolved"), _fs("d1", "data", "US_SSN", key="a/b.csv")],
        endpoint=None,
    )
    by_id = {f["Id"]: f for f in asff_findings(body, account_id="111122223333", region="eu-west-3")}
    exp, data = by_id["phiscope/e1"], by_id["phiscope/d1"]
    required = {
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
    }
    assert required <= exp.keys() and required <= data.keys()
    assert exp["ProductArn"] == "arn:aws:securityhub:eu-west-3:111122223333:product/111122223333/default"
    assert (exp["RecordState"], exp["Workflow"]["Status"]) == ("ARCHIVED", "RESOLVED")
    assert (data["RecordState"], data["Severity"]["Label"]) == ("ACTIVE", "CRITICAL")
    assert data["Resources"][0] == {
        "Type": "AwsS3Object",
        "Id": "arn:aws:s3:::medcall/a/b.csv",
        "Region": "eu-west-3",
    }
    assert data["Types"] == ["Sensitive Data Identifications/PII"]
    assert_no_raw_values(str([exp, data]))


@pytest.mark.parametrize("spec", ["pager=x", "webhook=ftp://x", "email=nobody", "securityhub=arn"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_alert_spec(spec, webhook_secret=None, smtp=SmtpSettings(), securityhub=lambda: None)  # type: ignore[arg-type,return-value]


def test_email_refuses_a_server_without_starttls() -> None:
    """Never in clear: a plain SMTP server (aiosmtpd without TLS) gets nothing."""
    from aiosmtpd.controller import Controller

    from phiscope.storage.embedded import free_port
    from phiscope.watch.alerts import AlertError, EmailChannel

    got: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            got.append(bytes(envelope.content))  # type: ignore[attr-defined]
            return "250 OK"

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        body = build_alert("w-1", BUCKET, [_fs("e1", "exposure", "anonymous:read")], endpoint=None)
        ch = EmailChannel("dpo@example.org", SmtpSettings(host="127.0.0.1", port=port, timeout=10))
        with pytest.raises(AlertError, match="STARTTLS"):
            ch.send(body)
    finally:
        ctl.stop()
    assert got == []
