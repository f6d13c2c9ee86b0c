"""Alerts: one channel-neutral body per bucket change, rendered for each channel.

The body is built from finding states only (titles, kinds, counts, categories, severities): there is
no path from a detected value to an alert. Channels:
- `webhook=URL`: the JSON body, signed `X-PHIscope-Signature: sha256=HMAC(secret, timestamp + "." + body)`
  (secret from PHISCOPE_WEBHOOK_SECRET or the config file), `X-PHIscope-Delivery` = alert id for dedup;
- `slack=URL`: a Slack incoming-webhook message in blocks;
- `email=ADDR`: plain text over SMTP with STARTTLS (PHISCOPE_SMTP_* settings); never sent in clear;
- `securityhub`: ASFF findings through BatchImportFindings (resolved → ARCHIVED / RESOLVED).
A failed send raises AlertError; the dispatcher (loop.py) retries it with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from phiscope.db.watch import FindingState, new_alert_id
from phiscope.report.findings import max_sev

SCHEMA = "phiscope/watch-alert/v1"
USER_AGENT = "phiscope-watch"


class AlertError(Exception):
    """A delivery failed; the message names the cause (status code, exception type), never the body."""


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat(timespec="seconds") if dt else None


def fix_command(bucket: str, endpoint: str | None) -> str:
    if endpoint and endpoint.startswith("file://"):
        return f"restrict access to the folder {endpoint[7:]}/{bucket}"
    cmd = f"phiscope fix plan s3://{bucket}"
    return cmd + (f" --endpoint-url {endpoint}" if endpoint else "")


def build_alert(
    watch_id: str, bucket: Mapping[str, Any], changes: list[FindingState], *, endpoint: str | None
) -> dict[str, Any]:
    """The alert for one bucket: what changed, where, how exposed, who is affected, how to fix it."""
    opened = [c for c in changes if c.status == "open"]
    resolved = [c for c in changes if c.status == "resolved"]
    name = bucket.get("name") or (changes[0].bucket if changes else "")
    exposure = bucket.get("exposure") or {}
    from phiscope.report.findings import exposure_kinds

    kinds = exposure_kinds(exposure)
    level = bucket.get("exposure_level") or "none"
    severity = max_sev(*(c.severity for c in opened)) if opened else "info"
    event = "opened" if opened and not resolved else "resolved" if resolved and not opened else "changed"
    parts = []
    if opened:
        parts.append(f"{len(opened)} new finding{'s' if len(opened) != 1 else ''} ({severity})")
    if resolved:
        parts.append(f"{len(resolved)} resolved")
    where = f"s3://{name}/" if not (endpoint or "").startswith("file://") else f"{endpoint}/{name}/"
    people = int(bucket.get("people_affected") or 0)
    return {
        "schema": SCHEMA,
        "id": new_alert_id(),
        "watch_id": watch_id,
        "created_at": _iso(datetime.now(UTC)),
        "event": event,
        "bucket": name,
        "location": where,
        "endpoint": endpoint,
        "severity": severity,
        "bucket_severity": bucket.get("severity") or "info",
        "summary": f"{where}: " + ", ".join(parts),
        "exposure": {"level": level, "kinds": kinds, "public": bool(exposure.get("public"))},
        "people_affected": people,
        "organisations": int(bucket.get("organisations") or 0),
        "categories": list(bucket.get("categories") or []),
        "contains_phi": bool(bucket.get("contains_phi")),
        "health": bool(bucket.get("health")),
        "fix": fix_command(name, endpoint) if (level in ("public", "authenticated") or opened) else None,
        "counts": {"opened": len(opened), "resolved": len(resolved)},
        "findings": [
            {
                "id": c.uid,
                "state": c.status,
                "family": c.family,
                "kind": c.kind,
                "severity": c.severity,
                "title": c.title,
                "object": f"{where}{c.key}" if c.key is not None else None,
                "category": c.category,
                "count": c.count,
                "exposure": c.exposure,
                "first_seen": _iso(c.first_seen),
                "last_seen": _iso(c.last_seen),
                "resolved_at": _iso(c.resolved_at),
            }
            for c in sorted(changes, key=lambda c: (c.status != "open", c.family != "exposure", c.uid))
        ],
    }


def alert_text(body: dict[str, Any]) -> str:
    """Plain text of an alert (e-mail, logs)."""
    lines = [
        f"PHIscope watch: {body['summary']}",
        "",
        f"Severity: {body['severity']} (bucket: {body['bucket_severity']})",
        f"Exposure: {body['exposure']['level']}"
        + (f" ({', '.join(body['exposure']['kinds'])})" if body["exposure"]["kinds"] else ""),
        f"People affected: {body['people_affected']}",
        f"Data categories: {', '.join(body['categories']) or 'none found'}",
    ]
    if body.get("fix"):
        lines.append(f"Fix: {body['fix']}")
    lines.append("")
    for f in body["findings"]:
        state = "NEW     " if f["state"] == "open" else "RESOLVED"
        lines.append(f"{state} [{f['severity']}] {f['title']}  (id {f['id']})")
    lines += ["", f"Alert id {body['id']}, watch {body['watch_id']}. Values are never included in alerts."]
    return "\n".join(lines)


# -- channels -----------------------------------------------------------------------------------


class Channel(Protocol):
    label: str  # stored in the outbox; never a URL (Slack URLs are secrets)
    kind: str

    def send(self, body: dict[str, Any]) -> None: ...


def _label(kind: str, target: str) -> str:
    return f"{kind}#{hashlib.sha256(target.encode()).hexdigest()[:10]}"


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> None:
    req = urllib.request.Request(url, data=data, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(4096)
    except urllib.error.HTTPError as e:
        raise AlertError(f"HTTP {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise AlertError(f"unreachable ({type(reason).__name__})") from None


def sign(secret: bytes, timestamp: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()


@dataclass(slots=True)
class WebhookChannel:
    url: str
    secret: bytes | None
    timeout: float = 10.0
    kind: str = "webhook"
    label: str = ""

    def __post_init__(self) -> None:
        self.label = _label("webhook", self.url)

    def send(self, body: dict[str, Any]) -> None:
        payload = json.dumps(body, sort_keys=True).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-PHIscope-Event": "watch-alert",
            "X-PHIscope-Delivery": body["id"],
            "X-PHIscope-Timestamp": ts,
        }
        if self.secret:
            headers["X-PHIscope-Signature"] = sign(self.secret, ts, payload)
        _post(self.url, payload, headers, self.timeout)


_SEV_EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:"}


def slack_message(body: dict[str, Any]) -> dict[str, Any]:
    """Slack incoming-webhook payload (Block Kit), with a plain `text` fallback for notifications."""
    head = f"{_SEV_EMOJI.get(body['severity'], ':white_circle:')} PHIscope: {body['summary']}"[:150]
    exp = body["exposure"]
    fields = [
        {"type": "mrkdwn", "text": f"*Severity*\n{body['severity']}"},
        {
            "type": "mrkdwn",
            "text": f"*Exposure*\n{exp['level']}" + (f" ({', '.join(exp['kinds'])})" if exp["kinds"] else ""),
        },
        {"type": "mrkdwn", "text": f"*People affected*\n{body['people_affected']}"},
        {"type": "mrkdwn", "text": f"*Categories*\n{', '.join(body['categories']) or 'none found'}"},
    ]
    items = []
    for f in body["findings"][:10]:
        mark = "NEW" if f["state"] == "open" else "RESOLVED"
        items.append(f"• *{mark}* [{f['severity']}] {f['title']}")
    if len(body["findings"]) > 10:
        items.append(f"… and {len(body['findings']) - 10} more")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": head, "emoji": True}},
        {"type": "section", "fields": fields},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(items)[:2900] or "(no details)"}},
    ]
    if body.get("fix"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Fix*: `{body['fix']}`"}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"alert {body['id']} · values are never included"}],
        }
    )
    return {"text": head, "blocks": blocks}


@dataclass(slots=True)
class SlackChannel:
    url: str
    timeout: float = 10.0
    kind: str = "slack"
    label: str = ""

    def __post_init__(self) -> None:
        self.label = _label("slack", self.url)

    def send(self, body: dict[str, Any]) -> None:
        _post(
            self.url,
            json.dumps(slack_message(body)).encode(),
            {"Content-Type": "application/json"},
            self.timeout,
        )


@dataclass(slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "phiscope@localhost"
    cafile: str | None = None  # a private CA (or a test server's certificate)
    timeout: float = 15.0

    @classmethod
    def from_env(cls, base: dict[str, Any] | None = None) -> SmtpSettings:
        """Config-file values, overridden by PHISCOPE_SMTP_HOST/PORT/USER/PASSWORD/FROM/CAFILE."""
        b = dict(base or {})
        env = os.environ
        return cls(
            host=env.get("PHISCOPE_SMTP_HOST") or b.get("host") or "localhost",
            port=int(env.get("PHISCOPE_SMTP_PORT") or b.get("port") or 587),
            username=env.get("PHISCOPE_SMTP_USER") or b.get("username"),
            password=env.get("PHISCOPE_SMTP_PASSWORD") or b.get("password"),
            sender=env.get("PHISCOPE_SMTP_FROM") or b.get("from") or "phiscope@localhost",
            cafile=env.get("PHISCOPE_SMTP_CAFILE") or b.get("cafile"),
        )


@dataclass(slots=True)
class EmailChannel:
    to: str
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    kind: str = "email"
    label: str = ""

    def __post_init__(self) -> None:
        self.label = _label("email", self.to)

    def send(self, body: dict[str, Any]) -> None:
        msg = EmailMessage()
        msg["From"] = self.smtp.sender
        msg["To"] = self.to
        msg["Subject"] = f"[PHIscope {body['severity']}] {body['summary']}"[:200]
        msg["X-PHIscope-Alert"] = body["id"]
        msg.set_content(alert_text(body))
        ctx = ssl.create_default_context(cafile=self.smtp.cafile)
        try:
            with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout) as s:
                s.ehlo()
                if not s.has_extn("starttls"):
                    raise AlertError("SMTP server does not offer STARTTLS; refusing to send in clear")
                s.starttls(context=ctx)
                s.ehlo()
                if self.smtp.username:
                    s.login(self.smtp.username, self.smtp.password or "")
                s.send_message(msg)
        except AlertError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
            raise AlertError(f"SMTP failed ({type(e).__name__})") from None


ASFF_SEVERITY = {
    "critical": "CRITICAL",
    "high": "HIGH",
    "medium": "MEDIUM",
    "low": "LOW",
    "info": "INFORMATIONAL",
}


def asff_findings(body: dict[str, Any], *, account_id: str, region: str) -> list[dict[str, Any]]:
    """One ASFF finding per changed finding (Id = the stable finding id, so updates replace)."""
    now = body["created_at"]
    product = f"arn:aws:securityhub:{region}:{account_id}:product/{account_id}/default"
    out = []
    for f in body["findings"]:
        resolved = f["state"] == "resolved"
        if f["family"] == "exposure":
            types = ["Software and Configuration Checks/AWS Security Best Practices", "Effects/Data Exposure"]
            resource = {"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::{body['bucket']}", "Region": region}
        else:
            cat = "Financial" if f.get("category") == "financial" else "PII"
            types = [f"Sensitive Data Identifications/{cat}"]
            resource = {
                "Type": "AwsS3Object",
                "Id": f"arn:aws:s3:::{body['bucket']}/{(f['object'] or '').split('/', 3)[-1]}",
                "Region": region,
            }
        desc = (
            f"{f['title']}. Bucket exposure: {body['exposure']['level']}; people affected in bucket: "
            f"{body['people_affected']}; categories: {', '.join(body['categories']) or 'none'}. "
            "PHIscope never includes detected values."
        )
        finding: dict[str, Any] = {
            "SchemaVersion": "2018-10-08",
            "Id": f"phiscope/{f['id']}",
            "ProductArn": product,
            "GeneratorId": f"phiscope-watch/{f['family']}/{f['kind']}",
            "AwsAccountId": account_id,
            "Types": types,
            "CreatedAt": f.get("first_seen") or now,
            "UpdatedAt": now,
            "FirstObservedAt": f.get("first_seen") or now,
            "LastObservedAt": f.get("last_seen") or now,
            "Severity": {"Label": ASFF_SEVERITY.get(f["severity"], "INFORMATIONAL")},
            "Title": f["title"][:256],
            "Description": desc[:1024],
            "Resources": [resource],
            "RecordState": "ARCHIVED" if resolved else "ACTIVE",
            "Workflow": {"Status": "RESOLVED" if resolved else "NEW"},
            "Compliance": {"Status": "PASSED" if resolved else "FAILED"},
            "ProductFields": {"phiscope/alert_id": body["id"], "phiscope/count": str(f.get("count") or 0)},
        }
        if body.get("fix") and not resolved:
            finding["Remediation"] = {"Recommendation": {"Text": body["fix"][:512]}}
        out.append(finding)
    return out


@dataclass(slots=True)
class SecurityHubChannel:
    client_factory: Callable[[], Any]
    account_id: str
    region: str
    kind: str = "securityhub"
    label: str = "securityhub"
    _client: Any = None

    def send(self, body: dict[str, Any]) -> None:
        if self._client is None:
            self._client = self.client_factory()
        findings = asff_findings(body, account_id=self.account_id, region=self.region)
        try:
            for i in range(0, len(findings), 100):  # BatchImportFindings takes at most 100
                resp = self._client.batch_import_findings(Findings=findings[i : i + 100])
                if resp.get("FailedCount"):
                    codes = {f.get("ErrorCode") for f in resp.get("FailedFindings", [])}
                    raise AlertError(
                        f"Security Hub rejected {resp['FailedCount']} finding(s): {sorted(map(str, codes))}"
                    )
        except AlertError:
            raise
        except Exception as e:
            code = getattr(e, "response", {}).get("Error", {}).get("Code") if hasattr(e, "response") else None
            raise AlertError(f"BatchImportFindings failed ({code or type(e).__name__})") from None


def parse_alert_spec(
    spec: str,
    *,
    webhook_secret: bytes | None,
    smtp: SmtpSettings,
    securityhub: Callable[[], SecurityHubChannel],
) -> Channel:
    """`webhook=URL`, `slack=URL`, `email=ADDR` or `securityhub` → a channel (ValueError if not)."""
    kind, _, target = spec.partition("=")
    kind = kind.strip().lower()
    target = target.strip()
    if kind in ("webhook", "slack"):
        if not target.startswith(("http://", "https://")):
            raise ValueError(f"--alert {kind}= needs an http(s) URL")
        return WebhookChannel(target, webhook_secret) if kind == "webhook" else SlackChannel(target)
    if kind == "email":
        if "@" not in target:
            raise ValueError("--alert email= needs an address")
        return EmailChannel(target, smtp)
    if kind == "securityhub" and not target:
        return securityhub()
    raise ValueError(
        f"unknown alert spec {spec.split('=')[0]!r}: use webhook=URL, slack=URL, email=ADDR or securityhub"
    )
