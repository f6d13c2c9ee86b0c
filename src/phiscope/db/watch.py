"""Watch tables: the state `phiscope watch` keeps so a restart resumes without re-alerting.

- watch_state: small key/value facts per watcher (its scan id, last pass, pid) for `--once`, the
  dashboard and the health endpoint.
- watch_objects: the incremental ledger: the version (ETag, or size+mtime) of every object already
  scanned, so only new or changed objects are scanned again. Keyed by a keyed fingerprint of
  bucket and key (`key_fingerprint`), never the key: a key is content (`patients/Ada Q… 123-45-….csv`).
- watch_events: every event taken from a source (SQS message, listing change, filesystem event,
  settings re-evaluation), recorded before an SQS message is deleted; objects by fingerprint only.
- watch_findings: the lifecycle of every finding (same stable ids as the reports): open/resolved,
  first/last seen, and the state last alerted, which is what makes alerts exactly-once per change.
- watch_alerts / watch_deliveries: an outbox. An alert is written in the same transaction as the
  finding states it reports; each channel's delivery is retried with backoff until sent.

No column holds a raw sensitive value nor a raw object key: titles, kinds, counts, categories,
fingerprints, and keys as the scan stores them (`objects.key`: masked when they hold a value). What
needs a raw key (re-reading an object) takes it from the source at run time: the queue message, which
stays on the queue until its object is recorded, or the listing.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)

from phiscope.db.schema import metadata

watch_state = Table(
    "watch_state",
    metadata,
    Column("watch_id", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("value", JSON),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("watch_id", "name"),
)

watch_objects = Table(
    "watch_objects",
    metadata,
    Column("watch_id", String(64), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("key_fp", String(64), nullable=False),  # key_fingerprint(secret, bucket, key)
    Column("shown_key", Text, nullable=False),  # as objects.key: masked when it holds a value
    Column("version", String(160), nullable=False),  # ETag, or size:mtime for local files
    Column("size", BigInteger, nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("watch_id", "bucket", "key_fp"),
)

watch_events = Table(
    "watch_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watch_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),  # sqs | poll | fs | drift
    Column("kind", String(32), nullable=False),  # object_created | object_removed | settings | malformed
    Column("bucket", String(255)),
    Column("key_fp", String(64)),  # key_fingerprint of the object, never its key
    Column("detail", String(128)),  # e.g. the CloudTrail event name; never message content
    Column("message_id", String(128)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True)),
    Index("ix_watch_events_watch_id", "watch_id"),
)

watch_findings = Table(
    "watch_findings",
    metadata,
    Column("watch_id", String(64), nullable=False),
    Column("uid", String(64), nullable=False),  # report finding id (report/findings.py stable_uid)
    Column("family", String(16), nullable=False),  # exposure | data
    Column("bucket", String(255), nullable=False),
    Column("key", Text),  # as objects.key (masked when it holds a value), from the report
    Column("kind", String(64), nullable=False),
    Column("category", String(32)),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("exposure", String(64)),
    Column("count", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("alerted", String(16)),  # status last reported in an alert (None: never alerted)
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("watch_id", "uid"),
    Index("ix_watch_findings_bucket", "watch_id", "bucket"),
)

watch_alerts = Table(
    "watch_alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("watch_id", String(64), nullable=False),
    Column("bucket", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("body", JSON, nullable=False),  # channel-neutral alert (watch/alerts.py), masked by design
    Index("ix_watch_alerts_bucket", "watch_id", "bucket", "created_at"),
)

watch_deliveries = Table(
    "watch_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), ForeignKey("watch_alerts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(255), nullable=False),  # webhook=URL, slack=URL, email=ADDR, securityhub
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", String(255)),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_watch_deliveries_status", "status", "next_attempt_at"),
)


def key_fingerprint(secret: bytes, bucket: str, key: str) -> str:
    """The ledger's name for one object: HMAC-SHA256 of bucket and key with the scan secret, so a
    listing or an event finds its row while the database never holds the key (nor an unkeyed hash
    of it, which a dictionary of SSNs would reverse)."""
    msg = b"watch-object\0" + bucket.encode() + b"\0" + key.encode("utf-8", "surrogateescape")
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


@dataclass(slots=True)
class FindingState:
    """What the watcher knows about one finding; compared with the current report's findings."""

    uid: str
    family: str
    bucket: str
    key: str | None
    kind: str
    category: str | None
    severity: str
    title: str
    exposure: str | None
    count: int
    status: str
    alerted: str | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    version: str
    shown_key: str  # the key as objects.key stores it: what to delete when the object goes


@dataclass(slots=True)
class Delivery:
    id: int
    alert_id: str
    channel: str
    attempts: int
    body: dict[str, Any]


class WatchStore:
    """Reads and writes of the watch tables for one watcher (`watch_id`)."""

    def __init__(self, engine: Engine, watch_id: str) -> None:
        self.engine = engine
        self.watch_id = watch_id

    # -- key/value state -------------------------------------------------------------------
    def get_state(self, name: str) -> Any:
        with self.engine.connect() as c:
            return c.execute(
                select(watch_state.c.value).where(
                    watch_state.c.watch_id == self.watch_id, watch_state.c.name == name
                )
            ).scalar()

    def set_state(self, name: str, value: Any) -> None:
        with self.engine.begin() as c:
            done = c.execute(
                update(watch_state)
                .where(watch_state.c.watch_id == self.watch_id, watch_state.c.name == name)
                .values(value=value, updated_at=now())
            ).rowcount
            if not done:
                c.execute(
                    insert(watch_state).values(
                        watch_id=self.watch_id, name=name, value=value, updated_at=now()
                    )
                )

    # -- object ledger (by key fingerprint) ---------------------------------------------------
    def _obj(self, bucket: str, key_fp: str) -> Any:
        c = watch_objects.c
        return (c.watch_id == self.watch_id) & (c.bucket == bucket) & (c.key_fp == key_fp)

    def versions(self, bucket: str) -> dict[str, str]:
        """Key fingerprint → version of every object of `bucket` in the ledger."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(watch_objects.c.key_fp, watch_objects.c.version).where(
                    watch_objects.c.watch_id == self.watch_id, watch_objects.c.bucket == bucket
                )
            )
            return {k: v for k, v in rows}

    def recent(self, bucket: str, n: int) -> list[str]:
        """Fingerprints of the `n` objects scanned last (newest first)."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(watch_objects.c.key_fp)
                .where(watch_objects.c.watch_id == self.watch_id, watch_objects.c.bucket == bucket)
                .order_by(watch_objects.c.scanned_at.desc())
                .limit(n)
            )
            return [r[0] for r in rows]

    def entry(self, bucket: str, key_fp: str) -> LedgerEntry | None:
        with self.engine.connect() as c:
            row = c.execute(
                select(watch_objects.c.version, watch_objects.c.shown_key).where(self._obj(bucket, key_fp))
            ).first()
            return LedgerEntry(row[0], row[1]) if row else None

    def set_version(self, bucket: str, key_fp: str, shown_key: str, version: str, size: int) -> None:
        with self.engine.begin() as c:
            c.execute(delete(watch_objects).where(self._obj(bucket, key_fp)))
            c.execute(
                insert(watch_objects).values(
                    watch_id=self.watch_id,
                    bucket=bucket,
                    key_fp=key_fp,
                    shown_key=shown_key,
                    version=version,
                    size=size,
                    scanned_at=now(),
                )
            )

    def forget_object(self, bucket: str, key_fp: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(watch_objects).where(self._obj(bucket, key_fp)))

    # -- events ----------------------------------------------------------------------------
    def record_event(
        self,
        source: str,
        kind: str,
        *,
        bucket: str | None = None,
        key_fp: str | None = None,
        detail: str | None = None,
        message_id: str | None = None,
        processed: bool = True,
    ) -> int:
        t = now()
        with self.engine.begin() as c:
            return int(
                c.execute(
                    insert(watch_events).values(
                        watch_id=self.watch_id,
                        source=source,
                        kind=kind,
                        bucket=bucket,
                        key_fp=key_fp,
                        detail=(detail or None) and detail[:128],
                        message_id=message_id,
                        received_at=t,
                        processed_at=t if processed else None,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )

    def event_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(watch_events.c.kind, func.count())
                .where(watch_events.c.watch_id == self.watch_id)
                .group_by(watch_events.c.kind)
            )
            return {k: int(n) for k, n in rows}

    # -- findings lifecycle ----------------------------------------------------------------
    def findings(self, bucket: str | None = None) -> dict[str, FindingState]:
        q = select(watch_findings).where(watch_findings.c.watch_id == self.watch_id)
        if bucket is not None:
            q = q.where(watch_findings.c.bucket == bucket)
        with self.engine.connect() as c:
            out: dict[str, FindingState] = {}
            for r in c.execute(q).mappings():
                out[r["uid"]] = FindingState(
                    uid=r["uid"],
                    family=r["family"],
                    bucket=r["bucket"],
                    key=r["key"],
                    kind=r["kind"],
                    category=r["category"],
                    severity=r["severity"],
                    title=r["title"],
                    exposure=r["exposure"],
                    count=r["count"],
                    status=r["status"],
                    alerted=r["alerted"],
                    first_seen=_aware(r["first_seen"]) or now(),
                    last_seen=_aware(r["last_seen"]) or now(),
                    resolved_at=_aware(r["resolved_at"]),
                )
            return out

    def save_findings(
        self, states: Iterable[FindingState], alerts: Iterable[tuple[dict[str, Any], list[str]]]
    ) -> None:
        """Upsert finding states and enqueue alerts (body, channels) in one transaction."""
        with self.engine.begin() as c:
            for s in states:
                values = {
                    "family": s.family,
                    "bucket": s.bucket,
                    "key": s.key,
                    "kind": s.kind,
                    "category": s.category,
                    "severity": s.severity,
                    "title": s.title,
                    "exposure": s.exposure,
                    "count": s.count,
                    "status": s.status,
                    "alerted": s.alerted,
                    "first_seen": s.first_seen,
                    "last_seen": s.last_seen,
                    "resolved_at": s.resolved_at,
                }
                done = c.execute(
                    update(watch_findings)
                    .where(watch_findings.c.watch_id == self.watch_id, watch_findings.c.uid == s.uid)
                    .values(**values)
                ).rowcount
                if not done:
                    c.execute(insert(watch_findings).values(watch_id=self.watch_id, uid=s.uid, **values))
            t = now()
            for body, channels in alerts:
                c.execute(
                    insert(watch_alerts).values(
                        id=body["id"],
                        watch_id=self.watch_id,
                        bucket=body["bucket"],
                        created_at=t,
                        severity=body["severity"],
                        body=body,
                    )
                )
                for ch in channels:
                    c.execute(
                        insert(watch_deliveries).values(
                            alert_id=body["id"], channel=ch, status="pending", attempts=0, next_attempt_at=t
                        )
                    )

    def alerts_since(self, bucket: str, since: datetime) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(
                    select(func.count())
                    .select_from(watch_alerts)
                    .where(
                        watch_alerts.c.watch_id == self.watch_id,
                        watch_alerts.c.bucket == bucket,
                        watch_alerts.c.created_at >= since,
                    )
                ).scalar()
                or 0
            )

    def oldest_alert_since(self, bucket: str, since: datetime) -> datetime | None:
        with self.engine.connect() as c:
            return _aware(
                c.execute(
                    select(func.min(watch_alerts.c.created_at)).where(
                        watch_alerts.c.watch_id == self.watch_id,
                        watch_alerts.c.bucket == bucket,
                        watch_alerts.c.created_at >= since,
                    )
                ).scalar()
            )

    # -- deliveries (outbox) ---------------------------------------------------------------
    def due_deliveries(self, at: datetime | None = None) -> list[Delivery]:
        at = at or now()
        with self.engine.connect() as c:
            rows = c.execute(
                select(
                    watch_deliveries.c.id,
                    watch_deliveries.c.alert_id,
                    watch_deliveries.c.channel,
                    watch_deliveries.c.attempts,
                    watch_alerts.c.body,
                )
                .join(watch_alerts, watch_alerts.c.id == watch_deliveries.c.alert_id)
                .where(
                    watch_alerts.c.watch_id == self.watch_id,
                    watch_deliveries.c.status == "pending",
                    watch_deliveries.c.next_attempt_at <= at,
                )
                .order_by(watch_alerts.c.created_at, watch_deliveries.c.id)
            )
            return [Delivery(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def next_delivery_at(self) -> datetime | None:
        with self.engine.connect() as c:
            return _aware(
                c.execute(
                    select(func.min(watch_deliveries.c.next_attempt_at))
                    .join(watch_alerts, watch_alerts.c.id == watch_deliveries.c.alert_id)
                    .where(watch_alerts.c.watch_id == self.watch_id, watch_deliveries.c.status == "pending")
                ).scalar()
            )

    def delivery_sent(self, delivery_id: int) -> None:
        with self.engine.begin() as c:
            c.execute(
                update(watch_deliveries)
                .where(watch_deliveries.c.id == delivery_id)
                .values(
                    status="sent", sent_at=now(), attempts=watch_deliveries.c.attempts + 1, last_error=None
                )
            )

    def delivery_failed(self, delivery_id: int, error: str, retry_in: float | None) -> None:
        """Count a failed attempt; retry after `retry_in` seconds, or give up when None."""
        values: dict[str, Any] = {"attempts": watch_deliveries.c.attempts + 1, "last_error": error[:255]}
        if retry_in is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = now() + timedelta(seconds=retry_in)
        with self.engine.begin() as c:
            c.execute(update(watch_deliveries).where(watch_deliveries.c.id == delivery_id).values(**values))

    def delivery_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(watch_deliveries.c.status, func.count())
                .join(watch_alerts, watch_alerts.c.id == watch_deliveries.c.alert_id)
                .where(watch_alerts.c.watch_id == self.watch_id)
                .group_by(watch_deliveries.c.status)
            )
            return {k: int(n) for k, n in rows}

    def alert_bodies(self) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(watch_alerts.c.body)
                .where(watch_alerts.c.watch_id == self.watch_id)
                .order_by(watch_alerts.c.created_at)
            )
            return [r[0] for r in rows]


def new_alert_id() -> str:
    return uuid.uuid4().hex
