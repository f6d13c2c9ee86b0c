"""The watcher: sources → scan only what changed → findings lifecycle → alert outbox → channels.

One thread does the work (the scan's worker processes do the extraction); a signal only sets an
event, so SIGTERM/SIGINT end the current step and stop cleanly. All state is in the findings
database: the watcher's scan (objects, detections, bucket exposure, the same rows `phiscope scan`
writes, so reports and stable finding ids are the same), the object ledger, finding states and the
alert outbox. Order of writes for a queued event: object recorded → ledger → event row → message
deleted; a kill at any point leaves the message on the queue, and re-processing it is a no-op.

Object keys are content (`patients/Ada Q… 123-45-….csv`): the database and the logs get them as the
scan stores them (masked when they hold a value) and the ledger and events by keyed fingerprint. A
raw key lives only in memory, taken from the source (listing, queue message, filesystem event) when
an object must be read; the queue message itself is the crash-safe copy until the object is recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from phiscope import __version__
from phiscope.db.schema import objects as objects_table
from phiscope.db.store import BucketRow, Store
from phiscope.db.watch import FindingState, WatchStore, key_fingerprint
from phiscope.json_types import ReportV1
from phiscope.model import ObjectRef, Status
from phiscope.report.findings import LEVELS, exposure_kinds
from phiscope.scan.assess import Assessment, account_id, assess_anonymous, assess_owner
from phiscope.scan.pipeline import ScanConfig, Scanner, Target, local_targets, resolve_targets
from phiscope.storage.local import LocalStore
from phiscope.storage.s3 import make_client
from phiscope.watch import alerts as A
from phiscope.watch.events import MalformedMessage, WatchEvent, parse_message
from phiscope.watch.lifecycle import due_changes, reconcile
from phiscope.watch.metrics import MetricsServer, WatchMetrics
from phiscope.watch.sources import (
    FolderEvents,
    Message,
    SqsSource,
    listing_changes,
    object_version,
    sqs_client_args,
)

log = logging.getLogger("phiscope.watch")


OBJECT_ACL_SAMPLE = 100  # object ACLs read per bucket and evaluation (as `phiscope scan` does)

# Read failures worth retrying later (endpoint down, throttled past the SDK's own retries).
TRANSIENT_CODES = (
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ConnectionClosedError",
    "ProxyConnectionError",
    "SlowDown",
    "Throttl",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "503",
    "500",
)


class TransientError(Exception):
    """Worth retrying later (endpoint down, throttled): the event is kept, not recorded."""


@dataclass(slots=True)
class WatchConfig:
    targets: list[str]
    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    anonymous: bool | None = None
    interval: float = 30.0
    queue_url: str | None = None
    once: bool = False
    alerts: list[str] = field(default_factory=list)
    db_url: str | None = None
    metrics_addr: str | None = None  # 127.0.0.1:PORT (PORT 0: any free port)
    min_severity: str = "low"
    fail_on: str = "high"
    max_alerts_per_bucket: int = 20
    rate_window: float = 3600.0
    visibility_timeout: int = 300
    workers: int = 1
    ocr: bool = True
    audio: bool = True
    webhook_secret: bytes | None = None
    smtp: dict[str, Any] = field(default_factory=dict)
    max_attempts: int = 10
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    secret: bytes | None = None  # fingerprint key (tests); default: the installation's secret

    def scan_config(self) -> ScanConfig:
        return ScanConfig(
            targets=list(self.targets),
            endpoint_url=self.endpoint_url,
            profile=self.profile,
            region=self.region,
            anonymous=self.anonymous,
            full=True,
            workers=max(1, self.workers),
            ocr=self.ocr,
            audio=self.audio,
            secret=self.secret,
        )


def watch_id_for(cfg: WatchConfig) -> str:
    """Same targets and endpoint → same watcher state, whatever the other options."""
    norm = sorted(t if t.startswith("s3://") else str(Path(t).resolve()) for t in cfg.targets)
    doc = json.dumps({"targets": norm, "endpoint": cfg.endpoint_url}, sort_keys=True)
    return "w-" + hashlib.sha256(doc.encode()).hexdigest()[:16]


def watch_targets(cfg: ScanConfig) -> tuple[list[Target], str]:
    """The scan's target resolution, except that a folder without sub-folders (even an empty one,
    where files will arrive) is one bucket: a watcher must not silently watch nothing."""
    out: list[Target] = []
    s3 = [t for t in cfg.targets if t.startswith("s3://")]
    mode = "local"
    if s3:
        sub = ScanConfig(**{**{f: getattr(cfg, f) for f in ScanConfig.__dataclass_fields__}, "targets": s3})
        out, mode = resolve_targets(sub, check_reachable=False)
    for t in cfg.targets:
        if t.startswith("s3://"):
            continue
        root = Path(t).resolve()
        if not root.is_dir():
            raise ValueError(f"not a folder or s3:// URL: {t}")
        if any(p.is_dir() and not p.name.startswith(".") for p in root.iterdir()):
            out.extend(local_targets(root))
        else:
            out.append(Target(LocalStore(root.parent), root.name))
    return out, mode


def _now() -> datetime:
    return datetime.now(UTC)


def _error_code(e: BaseException) -> str:
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        code = resp.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(e).__name__


class Watcher:
    def __init__(self, cfg: WatchConfig, *, store: Store | None = None) -> None:
        if cfg.min_severity not in LEVELS or cfg.fail_on not in LEVELS:
            raise ValueError(f"severities must be one of {', '.join(LEVELS)}")
        self.cfg = cfg
        self.store = store or Store.open(cfg.db_url)
        self.scan_cfg = cfg.scan_config()
        self.targets, self.mode = watch_targets(self.scan_cfg)
        if not self.targets:
            raise ValueError("nothing to watch: no bucket or folder found in the targets")
        self.by_bucket: dict[str, Target] = {t.bucket: t for t in self.targets}
        self.watch_id = watch_id_for(cfg)
        self.ws = WatchStore(self.store.engine, self.watch_id)
        self.metrics = WatchMetrics()
        self.metrics.max_silence = max(120.0, 3 * cfg.interval + 30)
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.scanner = Scanner(self.scan_cfg, self.store)
        self.scan_id = self._open_scan()
        self._acct: str | None = None
        self._s3control: Any = None
        self.channels: dict[str, A.Channel] = {}
        smtp = A.SmtpSettings.from_env(cfg.smtp)
        for spec in cfg.alerts:
            ch = A.parse_alert_spec(
                spec, webhook_secret=cfg.webhook_secret, smtp=smtp, securityhub=self._securityhub_channel
            )
            self.channels[ch.label] = ch
        self.sqs: SqsSource | None = None
        if cfg.queue_url:
            endpoint, region = sqs_client_args(cfg.queue_url, cfg.endpoint_url)
            client = make_client(
                "sqs",
                endpoint_url=endpoint,
                profile=cfg.profile,
                region=region or cfg.region,
                retries={"max_attempts": 3, "mode": "standard"},
            )
            self.sqs = SqsSource(client, cfg.queue_url, visibility_timeout=cfg.visibility_timeout)
        self.folder: FolderEvents | None = None
        self._exposure_sig: dict[str, Any] = {}
        # In memory only: raw keys by fingerprint, of the ACL sample and of the objects met newest
        # (the ledger holds fingerprints, and object ACLs are read by key).
        self._acl_keys: dict[str, dict[str, str]] = {}
        self._names: dict[str, dict[str, str]] = {}
        self._dirty = True
        self._held = False
        self._pass_errors: list[str] = []
        self._last_report: ReportV1 | None = None
        self.metrics_server: MetricsServer | None = None

    # -- setup ------------------------------------------------------------------------------------
    def _open_scan(self) -> str:
        sid = self.ws.get_state("scan_id")
        if sid and self.store.get_scan(sid) is not None:
            self.store.set_scan_state(sid, "running")
            return str(sid)
        sid = f"watch-{self.watch_id[2:]}-{_now().strftime('%Y%m%dT%H%M%SZ')}"
        opts = self.scan_cfg.options()
        opts["watch_id"] = self.watch_id
        self.store.create_scan(
            sid,
            targets=self.cfg.targets,
            endpoint=self.cfg.endpoint_url,
            mode=self.mode,
            options=opts,
            version=__version__,
        )
        self.ws.set_state("scan_id", sid)
        return sid

    def _securityhub_channel(self) -> A.SecurityHubChannel:
        cfg = self.cfg
        region = cfg.region or "us-east-1"
        acct = self._account() or "000000000000"
        return A.SecurityHubChannel(
            lambda: make_client(
                "securityhub", endpoint_url=cfg.endpoint_url, profile=cfg.profile, region=region
            ),
            acct,
            region,
        )

    def _account(self) -> str | None:
        if self._acct is None:
            self._acct = account_id(self.cfg.endpoint_url, self.cfg.profile, self.cfg.region)
        return self._acct

    # -- exposure (settings drift) ----------------------------------------------------------------
    def _fp(self, bucket: str, key: str) -> str:
        return key_fingerprint(self.scanner.secret, bucket, key)

    def _met(self, bucket: str, fp: str, key: str) -> None:
        """Remember (in memory) the key of an object just listed or scanned, newest last."""
        names = self._names.setdefault(bucket, {})
        names.pop(fp, None)
        names[fp] = key
        while len(names) > 2 * OBJECT_ACL_SAMPLE:  # only the newest can join the sample
            del names[next(iter(names))]

    def _acl_sample(self, bucket: str, versions: dict[str, str], extra: tuple[str, ...]) -> list[str]:
        """Object ACLs read at each evaluation: a stable sample (members stay while they exist, so
        the verdict never flips because the sample moved), topped up with the newest objects, plus
        the keys a settings event named (PutObjectAcl). At most OBJECT_ACL_SAMPLE + len(extra).
        Keys come from memory (this run's listings and events); the ledger only says which exist."""
        names = self._names.get(bucket, {})
        keep = {fp: k for fp, k in self._acl_keys.get(bucket, {}).items() if fp in versions}
        newest = self.ws.recent(bucket, OBJECT_ACL_SAMPLE)
        others = sorted((k, fp) for fp, k in names.items() if fp in versions)
        for fp, k in [(fp, names[fp]) for fp in newest if fp in names] + [(fp, k) for k, fp in others]:
            if len(keep) >= OBJECT_ACL_SAMPLE:
                break
            keep.setdefault(fp, k)
        self._acl_keys[bucket] = keep
        recent = set(newest)
        self._names[bucket] = {fp: k for fp, k in names.items() if fp in recent or fp in keep}
        return sorted(set(keep.values()) | {k for k in extra if self._fp(bucket, k) in versions})

    def assess(self, bucket: str, extra_keys: tuple[str, ...] = ()) -> None:
        t = self.by_bucket[bucket]
        versions = self.ws.versions(bucket)
        keys: list[str] = []
        if self.mode == "owner":
            if self._s3control is None:
                self._s3control = make_client(
                    "s3control",
                    endpoint_url=self.cfg.endpoint_url,
                    profile=self.cfg.profile,
                    region=self.cfg.region,
                )
            keys = self._acl_sample(bucket, versions, extra_keys)
            a = assess_owner(t.store.client, self._s3control, bucket, self._account(), keys)
        elif self.mode == "anonymous":
            a = assess_anonymous(bucket, self.cfg.endpoint_url, self.cfg.region)
        else:
            a = Assessment(None, [])
        a = self.scanner.masked_assessment(a, keys)  # verdicts and probes quote object keys
        self.metrics.evaluations.inc()
        if a.errors:
            self._pass_errors.append(f"{bucket}: exposure could not be fully read")
        exp = a.exposure or {}
        sig = (
            tuple(exposure_kinds(a.exposure)),
            bool(exp.get("latent")),
            tuple(a.errors),
            a.exposure is None,
        )
        if self._exposure_sig.get(bucket) == sig and bucket in self._exposure_sig:
            return
        self._exposure_sig[bucket] = sig
        self.store.save_bucket(
            self.scan_id,
            BucketRow(
                name=bucket,
                endpoint=t.store.endpoint,
                region=a.region,
                exposure=a.exposure,
                exposure_errors=a.errors,
                objects_total=len(versions),
                bytes_total=0,
                objects_selected=len(versions),
                sampled=False,
            ),
        )
        self._dirty = True

    def assess_all(self) -> None:
        for b in self.by_bucket:
            try:
                self.assess(b)
            except Exception as e:
                self._fail("exposure", f"{b}: {_error_code(e)}")

    # -- objects ----------------------------------------------------------------------------------
    def scan_object(self, t: Target, ref: ObjectRef, sent_at: float | None = None) -> bool:
        """Scan one object and record it (result, then ledger). False when already recorded."""
        fp = self._fp(ref.bucket, ref.key)
        version = object_version(ref)
        before = self.ws.entry(ref.bucket, fp)
        if before is not None and before.version == version:
            return False
        r = self.scanner._run_one(t, ref)
        reason = r.reason or ""
        if r.status is Status.SKIPPED and reason.startswith("read failed"):
            if "NoSuchKey" in reason or "404" in reason:
                self.remove_object(ref.bucket, fp)  # deleted since the event: nothing to scan
                return False
            if any(code in reason for code in TRANSIENT_CODES):
                raise TransientError(reason)
            # anything else (AccessDenied, a KMS key we may not use) is this object's status
        r = self.scanner.finish(r)  # the key masked as the scan stores it
        stale = {r.ref.key} | ({before.shown_key} if before else set())
        with self.store.engine.begin() as c:
            c.execute(
                delete(objects_table).where(
                    objects_table.c.scan_id == self.scan_id,
                    objects_table.c.bucket == ref.bucket,
                    objects_table.c.key.in_(sorted(stale)),
                )
            )
        self.store.record_object(self.scan_id, r)
        self.ws.set_version(ref.bucket, fp, r.ref.key, version, ref.size)
        self._met(ref.bucket, fp, ref.key)
        self.metrics.objects.labels(r.status.value).inc()
        if sent_at is not None:
            self.metrics.lag.set(max(0.0, time.time() - sent_at))
        log.info("scanned %s: %s%s", r.ref.uri, r.status.value, " (sensitive data)" if r.contains_phi else "")
        self._dirty = True
        return True

    def remove_object(self, bucket: str, fp: str) -> None:
        """Forget an object gone from its bucket: its recorded result first, then its ledger row (a
        kill in between leaves the row, so the next listing removes it again)."""
        self._names.get(bucket, {}).pop(fp, None)
        entry = self.ws.entry(bucket, fp)
        if entry is None:
            return
        with self.store.engine.begin() as c:
            n = c.execute(
                delete(objects_table).where(
                    objects_table.c.scan_id == self.scan_id,
                    objects_table.c.bucket == bucket,
                    objects_table.c.key == entry.shown_key,
                )
            ).rowcount
        self.ws.forget_object(bucket, fp)
        if n:
            self._dirty = True

    def poll(self, bucket: str) -> None:
        t = self.by_bucket[bucket]
        known = self.ws.versions(bucket)
        newest = set(self.ws.recent(bucket, OBJECT_ACL_SAMPLE))

        def listed() -> Iterator[tuple[str, ObjectRef]]:
            for ref in t.store.list_objects(bucket, t.prefix):
                fp = self._fp(bucket, ref.key)
                if fp in newest:
                    self._met(bucket, fp, ref.key)  # the ACL sample's candidates after a restart
                yield fp, ref

        changed, gone = listing_changes(listed(), known)
        for fp, ref in changed:
            self.metrics.events.labels("poll", "object_created").inc()
            try:
                self.scan_object(t, ref)
            except TransientError as e:
                shown = replace(ref, key=self.scanner.shown_key(ref.key))
                self._fail("object", f"{shown.uri}: {e}")  # not in the ledger: retried next pass
                continue
            self.ws.record_event("poll", "object_created", bucket=bucket, key_fp=fp)
        for fp in gone:
            self.metrics.events.labels("poll", "object_removed").inc()
            self.remove_object(bucket, fp)
            self.ws.record_event("poll", "object_removed", bucket=bucket, key_fp=fp)

    def poll_all(self) -> None:
        for b in self.by_bucket:
            try:
                self.poll(b)
            except Exception as e:
                self._fail("listing", f"{b}: {_error_code(e)}")

    def _head(self, t: Target, bucket: str, key: str) -> ObjectRef | None:
        try:
            h = t.store.client.head_object(Bucket=bucket, Key=key)
        except Exception as e:
            code = _error_code(e)
            if code in ("404", "NoSuchKey", "NotFound"):
                return None
            raise TransientError(f"head failed: {code}") from None
        return ObjectRef(
            bucket=bucket,
            key=key,
            size=int(h.get("ContentLength") or 0),
            etag=(h.get("ETag") or "").strip('"') or None,
            last_modified=h.get("LastModified"),
            storage_class=h.get("StorageClass"),
        )

    def apply_event(self, ev: WatchEvent, source: str, sent_at: float | None = None) -> None:
        """Act on one event; raises TransientError (or any error) to keep it for a retry."""
        if ev.kind == "settings":
            for b in [ev.bucket] if ev.bucket else list(self.by_bucket):
                if b in self.by_bucket:
                    self.assess(b, (ev.key,) if ev.key else ())
            return
        if ev.bucket not in self.by_bucket or ev.key is None:
            return
        t = self.by_bucket[ev.bucket]
        if t.prefix and not ev.key.startswith(t.prefix):
            return
        if ev.kind == "object_removed":
            self.remove_object(ev.bucket, self._fp(ev.bucket, ev.key))
            return
        if ev.kind == "object_created":
            if isinstance(t.store, LocalStore):
                self.local_change(ev.bucket, ev.key)
                return
            ref = self._head(t, ev.bucket, ev.key)
            if ref is None:
                self.remove_object(ev.bucket, self._fp(ev.bucket, ev.key))
            else:
                self.scan_object(t, ref, sent_at)

    def handle_messages(self, msgs: list[Message]) -> None:
        assert self.sqs is not None
        for m in msgs:
            sent = m.sent_at_ms / 1000 if m.sent_at_ms else None
            try:
                events = parse_message(m.body)
            except MalformedMessage as e:
                # Recorded (reason only, never the body), then deleted: it can never be processed.
                self.metrics.malformed.inc()
                self.ws.record_event("sqs", "malformed", detail=str(e), message_id=m.id)
                log.warning("malformed queue message %s: %s", m.id, e)
                self.sqs.delete(m)
                continue
            try:
                for ev in events:
                    self.metrics.events.labels("sqs", ev.kind).inc()
                    self.apply_event(ev, "sqs", sent)
            except Exception as e:
                self._fail(
                    "event", f"message {m.id}: {_error_code(e) if not isinstance(e, TransientError) else e}"
                )
                self.sqs.release(m, delay=min(60, 2 ** min(m.receive_count, 6)))
                continue
            for ev in events:
                fp = self._fp(ev.bucket, ev.key) if ev.bucket and ev.key else None
                self.ws.record_event(
                    "sqs", ev.kind, bucket=ev.bucket, key_fp=fp, detail=ev.detail, message_id=m.id
                )
            self.sqs.delete(m)
            log.info("queue message %s done (%d event(s))", m.id, len(events))

    def local_change(self, bucket: str, key: str) -> bool:
        """Act on a filesystem event; True when the bucket must be listed again to know what went
        (a folder, or a file never recorded, vanished: the ledger has no keys to match a prefix)."""
        t = self.by_bucket.get(bucket)
        if t is None or not isinstance(t.store, LocalStore):
            return False
        path = t.store.root / bucket / key
        fp = self._fp(bucket, key)
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            ref = ObjectRef(bucket, key, st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))
            self.scan_object(t, ref)
            self.ws.record_event("fs", "object_created", bucket=bucket, key_fp=fp)
            return False
        if path.exists():
            return False
        if self.ws.entry(bucket, fp) is None:
            return True
        self.remove_object(bucket, fp)
        self.ws.record_event("fs", "object_removed", bucket=bucket, key_fp=fp)
        return False

    # -- lifecycle and alerts ---------------------------------------------------------------------
    def update(self) -> None:
        """Rebuild the report, move finding states, enqueue due alerts (one transaction)."""
        from phiscope.scan.report import build_report

        report = build_report(self.store, self.scan_id)
        at = _now()
        known = self.ws.findings()
        unverified = frozenset(
            b["name"] for b in report["buckets"] if b.get("exposure") is None and b.get("exposure_errors")
        )
        changed = reconcile(report, known, at, unverified_buckets=unverified) if self._dirty else []
        states = {**known, **{s.uid: s for s in changed}}
        touched = {s.uid: s for s in changed}
        rows = {b["name"]: b for b in report["buckets"]}
        endpoint_of = {b: self.by_bucket[b].store.endpoint for b in self.by_bucket}
        bodies: list[tuple[dict[str, Any], list[str]]] = []
        self._held = False
        window_start = at - timedelta(seconds=self.cfg.rate_window)
        for bucket, changes in sorted(due_changes(states, self.cfg.min_severity).items()):
            if self.ws.alerts_since(bucket, window_start) >= self.cfg.max_alerts_per_bucket:
                self._held = True
                self.metrics.rate_limited.inc()
                continue
            body = A.build_alert(
                self.watch_id, rows.get(bucket) or {"name": bucket}, changes, endpoint=endpoint_of.get(bucket)
            )
            bodies.append((body, list(self.channels)))
            for c in changes:
                touched[c.uid] = replace(
                    states[c.uid] if c.uid not in touched else touched[c.uid], alerted=c.status
                )
            self.metrics.alerts.inc()
            log.warning("alert %s: %s", body["id"], body["summary"])
        self.ws.save_findings(touched.values(), bodies)
        self._dirty = False
        final = {**states, **touched}
        for fam in ("exposure", "data"):
            self.metrics.open_findings.labels(fam).set(
                sum(1 for s in final.values() if s.status == "open" and s.family == fam)
            )
        self._last_report = report

    def dispatch(self) -> None:
        for d in self.ws.due_deliveries():
            ch = self.channels.get(d.channel)
            if ch is None:
                continue  # a channel of an earlier configuration: kept until it is configured again
            try:
                ch.send(d.body)
            except Exception as e:
                reason = str(e) if isinstance(e, A.AlertError) else type(e).__name__
                attempts = d.attempts + 1
                retry = (
                    None
                    if attempts >= self.cfg.max_attempts
                    else min(self.cfg.backoff_max, self.cfg.backoff_base * 2 ** (attempts - 1))
                )
                self.ws.delivery_failed(d.id, reason, retry)
                self.metrics.send_failures.labels(ch.kind).inc()
                log.warning("alert %s to %s failed (attempt %d): %s", d.alert_id, ch.kind, attempts, reason)
                continue
            self.ws.delivery_sent(d.id)
            self.metrics.sent.labels(ch.kind).inc()
        self.metrics.pending.set(self.ws.delivery_counts().get("pending", 0))

    # -- the loop ---------------------------------------------------------------------------------
    def _fail(self, stage: str, what: str) -> None:
        self.metrics.errors.labels(stage).inc()
        self._pass_errors.append(f"{stage}: {what}")
        log.warning("%s error: %s", stage, what)

    def stop(self, *_: Any) -> None:
        self.stop_event.set()
        self.wake.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)

    def start_services(self) -> None:
        if self.cfg.metrics_addr:
            host, _, port = self.cfg.metrics_addr.rpartition(":")
            self.metrics_server = MetricsServer(self.metrics, host or "127.0.0.1", int(port or 0)).start()
            log.info("metrics on %s/metrics", self.metrics_server.address)
            self.ws.set_state("metrics", self.metrics_server.address)
        roots = {t.bucket: t.store.root / t.bucket for t in self.targets if isinstance(t.store, LocalStore)}
        if roots and not self.cfg.once:
            self.folder = FolderEvents(roots, self.wake)
            self.folder.start()
        # Start the worker process now, so the first alert does not wait for it.
        try:
            self.scanner.pool().warm()
        except Exception as e:
            self._fail("workers", type(e).__name__)

    def close(self) -> None:
        if self.folder is not None:
            self.folder.stop()
        if self.metrics_server is not None:
            self.metrics_server.stop()
        pool = self.scanner._pool
        if pool is not None:
            pool.shutdown()
        self.store.set_scan_state(self.scan_id, "finished")
        self.ws.set_state("stopped_at", _now().isoformat())

    def step(self, *, drift: bool, poll: bool) -> None:
        """One iteration: sources, settings, lifecycle, deliveries. Errors are counted, never fatal."""
        self._pass_errors = []
        if self.sqs is not None:
            try:
                msgs = self.sqs.receive()
            except Exception as e:
                self._fail("queue", _error_code(e))
                self.stop_event.wait(2.0)  # the queue endpoint is down: back off, then retry
                msgs = []
            if msgs:
                self.handle_messages(msgs)
        if poll:
            self.poll_all()
        if self.folder is not None:
            self._folder_changes()
        if drift:  # after the sources: the object-ACL sample draws on the keys they just named
            self.assess_all()
        if self._dirty or self._held:
            try:
                self.update()
            except Exception as e:
                self._fail("lifecycle", _error_code(e))
        try:
            self.dispatch()
        except Exception as e:
            self._fail("alerts", _error_code(e))
        if not self._pass_errors:
            self.metrics.last_ok = time.monotonic()
            self.metrics.last_pass.set(time.time())
        self.ws.set_state("last_pass", {"at": _now().isoformat(), "errors": self._pass_errors[:20]})

    def _folder_changes(self) -> None:
        assert self.folder is not None
        relist: set[str] = set()
        for b, k in self.folder.drain():
            self.metrics.events.labels("fs", "change").inc()
            try:
                if self.local_change(b, k):
                    relist.add(b)
            except Exception as e:
                self._fail("local", _error_code(e))
        for b in sorted(relist):
            try:
                self.poll(b)
            except Exception as e:
                self._fail("local", _error_code(e))

    def run(self) -> int:
        """Watch until stopped (exit 0), or one pass with `once` (exit 0 / 3 findings / 1 unverified)."""
        self._install_signals()
        self.start_services()
        self.ws.set_state("started_at", _now().isoformat())
        try:
            if self.cfg.once:
                return self._run_once()
            interval = self.cfg.interval
            # First pass: a full listing (baseline, or what changed while the watcher was down).
            self.step(drift=True, poll=True)
            log.info(
                "watching %d bucket(s) (%s); ready", len(self.by_bucket), "queue" if self.sqs else "polling"
            )
            next_drift = next_poll = time.monotonic() + interval
            while not self.stop_event.is_set():
                now = time.monotonic()
                drift, poll = now >= next_drift, now >= next_poll and self.sqs is None
                # A fixed cadence: the time a pass takes is not added to the interval (a pass that
                # takes longer than the interval is followed by the next one at once).
                if drift:
                    next_drift = max(next_drift + interval, now)
                if poll:
                    next_poll = max(next_poll + interval, now)
                self.step(drift=drift, poll=poll)
                if self.sqs is None and not self.stop_event.is_set():
                    timeout = min(next_drift, next_poll) - time.monotonic()
                    self.wake.wait(max(0.05, min(timeout, 1.0)))  # ≤ 1 s: due alert retries go out
                    self.wake.clear()
            return 0
        finally:
            self.close()

    def _run_once(self) -> int:
        from phiscope.report.exitcode import exit_code

        self.step(drift=True, poll=True)
        errors = list(self._pass_errors)
        while self.sqs is not None and not self.stop_event.is_set():
            before = self.ws.event_counts()
            self.step(drift=False, poll=False)
            errors += self._pass_errors
            if self.ws.event_counts() == before:
                break  # the queue is drained
        deadline = time.monotonic() + 60
        while self.ws.delivery_counts().get("pending", 0) and time.monotonic() < deadline:
            nxt = self.ws.next_delivery_at()
            wait = (nxt - _now()).total_seconds() if nxt else 0.0
            if self.stop_event.wait(max(0.0, min(wait, deadline - time.monotonic()))):
                break
            self.dispatch()
        if self.ws.delivery_counts().get("pending", 0):
            errors.append("alerts: some deliveries are still pending")
        report = self._last_report
        if errors or report is None:
            for e in errors:
                log.error("could not verify: %s", e)
            return 1
        return exit_code(report, fail_on=self.cfg.fail_on)


__all__ = ["FindingState", "WatchConfig", "Watcher", "watch_id_for"]
