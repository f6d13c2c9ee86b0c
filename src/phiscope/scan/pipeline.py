"""The scan: targets → exposure → listing/sampling → fetch (threads) → extract+detect (processes) → DB.

Bounded memory: at most `inflight` objects are between fetch and record at once, large objects are
spooled to disk with ranged GETs. The database is written by this process only, one transaction
per object, which makes the objects table the resume ledger.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from phiscope import __version__
from phiscope.db.store import BucketRow, Store
from phiscope.extract.base import Limits
from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.scan import worker
from phiscope.scan.assess import Assessment, account_id, assess_anonymous, assess_owner
from phiscope.scan.assess_cloud import assess_cloud
from phiscope.scan.sampling import Budget, parse_budget, select
from phiscope.storage.base import ARCHIVE_CLASSES
from phiscope.storage.local import LocalStore
from phiscope.storage.s3 import S3Store, has_credentials, make_client
from phiscope.storage.targets import is_url_target


@dataclass(slots=True)
class ScanConfig:
    targets: list[str]
    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    path_style: bool | None = None
    anonymous: bool | None = None  # None: anonymous when no credentials are found
    db_url: str | None = None
    sample: str | None = None
    full: bool = False
    max_objects: int | None = None
    workers: int = 0  # 0: one per core
    fetch_threads: int = 8
    ocr: bool = True
    audio: bool = True
    audio_max_seconds: float | None = None
    max_object_bytes: int = 2 * 1024**3
    max_read_bytes: int = 256 * 1024**2
    object_timeout: float = 120.0
    inventory: str | None = None  # S3 Inventory manifest (manifest.json / CSV), instead of listing
    resume: str | None = None
    seed: int = 0
    log_json: str | None = None
    account_id: str | None = None
    secret: bytes | None = None  # fingerprint key; default: the per-installation secret

    def limits(self) -> Limits:
        return Limits(
            max_object_bytes=self.max_object_bytes,
            max_read_bytes=self.max_read_bytes,
            max_seconds=self.object_timeout,
            ocr=self.ocr,
            audio=self.audio,
            audio_max_seconds=self.audio_max_seconds,
        )

    def options(self) -> dict[str, Any]:
        """What is stored with the scan (and reused by --resume): no secrets, no credentials."""
        d = asdict(self)
        for k in ("secret", "db_url", "resume", "log_json"):
            d.pop(k, None)
        return d


@dataclass(slots=True)
class Target:
    store: Any
    bucket: str
    prefix: str = ""


@dataclass(slots=True)
class Progress:
    """Counters the terminal progress display and the JSON log read."""

    objects_total: int = 0
    objects_done: int = 0
    bytes_done: int = 0
    findings: int = 0
    phi_objects: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {"complete": 0, "partial": 0, "skipped": 0})


class EventLog:
    """JSON-lines events for automation. Keys and counts only, never content."""

    def __init__(self, path: str | None) -> None:
        self._f: TextIO | None = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        if self._f is None:
            return
        rec = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        with self._lock:
            self._f.write(json.dumps(rec, default=str) + "\n")
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


def new_scan_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def resolve_targets(cfg: ScanConfig) -> tuple[list[Target], str]:
    """Targets → (store, bucket, prefix) list and the scan mode (owner | anonymous | local)."""
    out: list[Target] = []
    mode = "local"
    s3store: S3Store | None = None
    cloud: dict[str, Any] = {}
    for t in cfg.targets:
        if t.startswith("s3://"):
            if s3store is None:
                anonymous = cfg.anonymous if cfg.anonymous is not None else not has_credentials(cfg.profile)
                s3store = S3Store(
                    endpoint_url=cfg.endpoint_url,
                    profile=cfg.profile,
                    region=cfg.region,
                    anonymous=anonymous,
                    path_style=cfg.path_style,
                )
                mode = "anonymous" if anonymous else "owner"
            rest = t[5:]
            bucket, _, prefix = rest.partition("/")
            if not bucket:
                out.extend(Target(s3store, b) for b in s3store.list_buckets())
            else:
                out.append(Target(s3store, bucket, prefix))
        elif is_url_target(t):
            mode = cloud_targets(cfg, t, out, cloud, mode)
        else:
            root = Path(t)
            if not root.is_dir():
                raise ValueError(f"not a folder or s3:// URL: {t}")
            out.extend(local_targets(root))
    return out, mode


def cloud_targets(cfg: ScanConfig, t: str, out: list[Target], stores: dict[str, Any], mode: str) -> str:
    """az:// and gs:// targets -> Targets on one store per account/endpoint; returns the scan mode."""
    from phiscope.storage.targets import open_store, parse_url_target

    ut = parse_url_target(t)
    key = f"{ut.provider}:{ut.account or ''}"
    if key not in stores:
        stores[key] = open_store(ut, cfg.anonymous)
    store = stores[key]
    names = [ut.bucket_id] if ut.bucket else store.list_buckets()
    out.extend(Target(store, b, ut.prefix) for b in names)
    return "owner" if mode == "owner" or not store.anonymous else "anonymous"


def local_targets(root: Path) -> list[Target]:
    """A folder → buckets. A folder of folders only (a MinIO data directory, a mirror of several
    buckets) gives one bucket per sub-folder; a folder holding any file itself is one bucket, named
    after it, its sub-folders key prefixes (otherwise its own files would be silently left out)."""
    root = root.resolve()
    if any(p.is_file() and not p.name.startswith(".") for p in root.iterdir()):
        return [Target(LocalStore(root.parent), root.name)]
    local = LocalStore(root)
    return [Target(local, b) for b in local.list_buckets()]


def _default_secret() -> bytes:
    from phiscope.detect import fingerprint

    return fingerprint.load_or_create_secret()


class Scanner:
    def __init__(
        self,
        cfg: ScanConfig,
        store: Store,
        *,
        on_progress: Callable[[Progress, str], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.db = store
        self.progress = Progress()
        self.on_progress = on_progress or (lambda p, msg: None)
        self.log = EventLog(cfg.log_json)
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._secret = cfg.secret or _default_secret()

    # -- worker pool -----------------------------------------------------------------------
    def _workers(self) -> int:
        return self.cfg.workers or max(1, os.cpu_count() or 1)

    def pool(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["phiscope.scan.worker"])
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers(),
                    mp_context=ctx,
                    initializer=worker.init_worker,
                    initargs=(self._secret, self.cfg.limits()),
                )
            return self._pool

    def _reset_pool(self, broken: ProcessPoolExecutor) -> None:
        with self._pool_lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    # -- one object --------------------------------------------------------------------------
    def _run_one(self, target: Target, ref: ObjectRef) -> ObjectResult:
        limits = self.cfg.limits()
        if ref.storage_class in ARCHIVE_CLASSES:
            return ObjectResult(ref, Status.SKIPPED, f"archived ({ref.storage_class}): not restored")
        if ref.size > limits.max_object_bytes:
            return ObjectResult(ref, Status.SKIPPED, f"too large ({ref.size} bytes > max object size)")
        store = target.store
        try:
            if isinstance(store, LocalStore):
                path = store.path_of(ref)
                job = worker.Job(
                    ref,
                    str(path),
                    min(ref.size, limits.max_read_bytes),
                    ref.size > limits.max_read_bytes,
                    delete_after=False,
                )
            else:
                job = self._fetch_to_file(store, ref, limits.max_read_bytes)
        except Exception as e:
            return ObjectResult(ref, Status.SKIPPED, _fetch_reason(e))
        # A crashed worker takes every object it held down with it: retry once in a fresh pool,
        # so only the object that really kills a worker ends up skipped.
        for attempt in (1, 2):
            pool = self.pool()
            try:
                return pool.submit(worker.process, job).result()
            except BrokenProcessPool:
                self._reset_pool(pool)
                if attempt == 2 or not os.path.exists(job.path):
                    break
        if job.delete_after:
            _unlink(job.path)
        return ObjectResult(ref, Status.SKIPPED, "worker crashed on this object", bytes_read=job.bytes_read)

    def _fetch_to_file(self, store: S3Store, ref: ObjectRef, max_bytes: int) -> worker.Job:
        import shutil
        import tempfile

        fetched = store.fetch(ref, max_bytes)
        try:
            fd, path = tempfile.mkstemp(prefix="phiscope-obj-")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fetched.stream, out, 1024 * 1024)
        finally:
            fetched.close()
        return worker.Job(ref, path, fetched.bytes_read, fetched.truncated, delete_after=True)

    # -- the scan ----------------------------------------------------------------------------
    def run(self) -> str:
        cfg = self.cfg
        resumed = cfg.resume is not None
        targets, mode = resolve_targets(cfg)
        scan_id = cfg.resume or new_scan_id()
        if resumed:
            if self.db.get_scan(scan_id) is None:
                raise KeyError(f"no scan {scan_id!r} to resume")
            self.db.set_scan_state(scan_id, "running")
        else:
            self.db.create_scan(
                scan_id,
                targets=cfg.targets,
                endpoint=cfg.endpoint_url,
                mode=mode,
                options=cfg.options(),
                version=__version__,
            )
        self.log.emit("scan_started", scan_id=scan_id, targets=cfg.targets, mode=mode, resumed=resumed)
        done = self.db.finished_keys(scan_id)
        try:
            plan = self._plan(scan_id, targets, mode)
            todo = [(t, r) for t, refs in plan for r in refs if (r.bucket, r.key) not in done]
            self.progress.objects_total = len(todo)
            self.on_progress(self.progress, "scanning")
            self._execute(scan_id, todo)
            self.db.set_scan_state(scan_id, "finished")
        except BaseException:
            self.db.set_scan_state(scan_id, "failed")
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self.log.emit("scan_finished", scan_id=scan_id, **asdict(self.progress))
            self.log.close()
        return scan_id

    def _plan(self, scan_id: str, targets: list[Target], mode: str) -> list[tuple[Target, list[ObjectRef]]]:
        """Assess exposure and list every bucket; exposed buckets come first."""
        cfg = self.cfg
        budget = Budget() if cfg.full else parse_budget(cfg.sample)
        acct = cfg.account_id
        s3control = None
        if mode == "owner" and any(isinstance(t.store, S3Store) for t in targets):
            acct = acct or account_id(cfg.endpoint_url, cfg.profile, cfg.region)
            s3control = make_client(
                "s3control", endpoint_url=cfg.endpoint_url, profile=cfg.profile, region=cfg.region
            )
        planned: list[tuple[int, Target, list[ObjectRef]]] = []
        for t in targets:
            self.on_progress(self.progress, f"listing {t.bucket}")
            errors: list[str] = []
            try:
                refs = list(self._list(t))
            except Exception as e:
                refs = []
                errors.append(f"listing failed: {_fetch_reason(e)}")
            if getattr(t.store, "provider", "s3") in ("azure", "gcs"):
                a = assess_cloud(t.store, t.bucket, [r.key for r in refs[:100]])
            elif isinstance(t.store, S3Store) and mode == "owner" and not t.store.anonymous:
                a = assess_owner(t.store.client, s3control, t.bucket, acct, [r.key for r in refs[:100]])
            elif isinstance(t.store, S3Store) and mode in ("owner", "anonymous"):  # S3, no credentials
                a = assess_anonymous(t.bucket, cfg.endpoint_url, cfg.region)
            else:
                a = Assessment(None, [])
            if cfg.max_objects is not None:
                b = Budget(
                    objects=min(cfg.max_objects, budget.objects or cfg.max_objects),
                    bytes=budget.bytes,
                    percent=budget.percent,
                )
            else:
                b = budget
            chosen, sampled = select(refs, b, seed=cfg.seed)
            self.db.save_bucket(
                scan_id,
                BucketRow(
                    provider=getattr(t.store, "provider", None),
                    name=t.bucket,
                    endpoint=t.store.endpoint,
                    region=a.region,
                    exposure=a.exposure,
                    exposure_errors=a.errors + errors,
                    objects_total=len(refs),
                    bytes_total=sum(r.size for r in refs),
                    objects_selected=len(chosen),
                    sampled=sampled,
                ),
            )
            public = bool(a.exposure and a.exposure.get("public"))
            self.log.emit(
                "bucket_planned",
                bucket=t.bucket,
                public=public,
                objects=len(refs),
                selected=len(chosen),
                exposure_errors=a.errors + errors,
            )
            planned.append((0 if public else 1, t, chosen))
        planned.sort(key=lambda x: x[0])  # stable: exposed first, then target order
        return [(t, refs) for _, t, refs in planned]

    def _list(self, t: Target) -> Iterator[ObjectRef]:
        if self.cfg.inventory and isinstance(t.store, S3Store):
            from phiscope.storage.inventory import read_inventory

            yield from read_inventory(t.store, self.cfg.inventory, bucket=t.bucket, prefix=t.prefix)
        else:
            yield from t.store.list_objects(t.bucket, t.prefix)

    def _execute(self, scan_id: str, todo: list[tuple[Target, ObjectRef]]) -> None:
        inflight_max = self._workers() * 2 + self.cfg.fetch_threads
        with ThreadPoolExecutor(max_workers=max(self.cfg.fetch_threads, self._workers())) as threads:
            inflight: set[Future[ObjectResult]] = set()
            for t, ref in todo:
                while len(inflight) >= inflight_max:
                    finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    for f in finished:
                        self._record(scan_id, f.result())
                inflight.add(threads.submit(self._run_one, t, ref))
            while inflight:
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for f in finished:
                    self._record(scan_id, f.result())

    def _record(self, scan_id: str, r: ObjectResult) -> None:
        self.db.record_object(scan_id, r)
        p = self.progress
        p.objects_done += 1
        p.bytes_done += r.bytes_read
        p.findings += sum(s.count for s in r.findings.detections.values())
        p.phi_objects += int(r.contains_phi)
        p.by_status[r.status.value] += 1
        self.log.emit(
            "object_done",
            bucket=r.ref.bucket,
            key=r.ref.key,
            status=r.status.value,
            reason=r.reason,
            content_type=r.content_type,
            detections={t: s.count for t, s in r.findings.detections.items()},
            seconds=round(r.seconds, 3),
        )
        self.on_progress(p, r.ref.uri)


def _fetch_reason(e: Exception) -> str:
    """A short, content-free reason for a failed read (error code, never a message body)."""
    code = None
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        code = resp.get("Error", {}).get("Code")
    return f"read failed: {code or type(e).__name__}"


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def run_scan(cfg: ScanConfig, db: Store, on_progress: Callable[[Progress, str], None] | None = None) -> str:
    return Scanner(cfg, db, on_progress=on_progress).run()


__all__ = ["Progress", "ScanConfig", "Scanner", "run_scan"]
