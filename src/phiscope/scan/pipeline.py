"""The scan: targets → exposure → listing/sampling → fetch (threads) → extract+detect (processes) → DB.

Bounded memory: at most `inflight` objects are between fetch and record at once, large objects are
spooled to disk with ranged GETs. The database is written by this process only, one transaction
per object, which makes the objects table the resume ledger.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

from phiscope import __version__
from phiscope.db.estate import save_account, save_accounts, save_strata
from phiscope.db.store import BucketRow, Store
from phiscope.extract.base import Limits
from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.scan import batch, worker
from phiscope.scan.assess import (
    Assessment,
    account_id,
    assess_anonymous,
    assess_owner,
    masked,
    merge_live_probe,
    named_keys,
)
from phiscope.scan.assess_cloud import assess_cloud
from phiscope.scan.executors import make_executor
from phiscope.scan.keys import key_findings, mask_key, masked_key
from phiscope.scan.sampling import Budget, parse_budget, select
from phiscope.scan.units import StoreSpec, Target, _fetch_reason, _unlink, store_spec
from phiscope.scan.workerpool import WorkerCrashed, WorkerPool, WorkerTimeout
from phiscope.scan.writer import BatchWriter
from phiscope.storage.base import ARCHIVE_CLASSES
from phiscope.storage.local import LocalStore
from phiscope.storage.s3 import S3Store, has_credentials, make_client, unreachable_cause
from phiscope.storage.targets import is_url_target
from phiscope.textsafe import strip_url_credentials

EXPOSURE_SAMPLE_KEYS = 100  # keys of a bucket whose ACLs the exposure assessment samples


class TargetError(ValueError):
    """A target that cannot be scanned at all (unreachable endpoint, bad path): exit 1, one line."""

    def __init__(self, target: str, cause: str, hint: str | None = None) -> None:
        super().__init__(f"{target}: {cause}")
        self.target, self.cause, self.hint = target, cause, hint


class ScanInterrupted(KeyboardInterrupt):
    """Ctrl-C: the objects in flight were finished and recorded; the scan can be resumed."""

    def __init__(self, scan_id: str) -> None:
        super().__init__(scan_id)
        self.scan_id = scan_id


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
    scan_deadline: float | None = None  # seconds for the whole scan; objects not done by then: skipped
    worker_memory: int | None = 4 * 1024**3  # address-space limit per worker process (RLIMIT_AS)
    inventory: str | None = None  # S3 Inventory manifest (manifest.json / CSV), instead of listing
    resume: str | None = None
    seed: int = 0
    log_json: str | None = None
    account_id: str | None = None
    live_probe: bool = True  # owner mode: also send the anonymous probe; a live success wins
    secret: bytes | None = None  # fingerprint key; default: the per-installation secret
    org_role: str | None = None  # scan every account of the Organization through this role (scan/org.py)
    accounts: str | None = None  # with org_role: only these account ids/names (comma list)
    exclude_accounts: str | None = None
    batch_objects: int = 64  # small objects per worker task (scan/batch.py); 1: one at a time
    executor: str = "local"  # local | ray (scan/executors.py)
    ray_address: str | None = None

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
        d["endpoint_url"] = strip_url_credentials(self.endpoint_url)
        return d


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

    @property
    def enabled(self) -> bool:
        """False without --log-json: callers skip building an event nobody writes."""
        return self._f is not None

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


def resolve_targets(
    cfg: ScanConfig, accounts: list[Any] | None = None, *, check_reachable: bool = True
) -> tuple[list[Target], str]:
    """Targets → (store, bucket, prefix) list and the scan mode (owner | anonymous | local).

    `check_reachable=False` is for a long-running watcher, which retries an endpoint that is down."""
    if cfg.org_role:
        from phiscope.scan.org import org_targets

        return org_targets(cfg, accounts if accounts is not None else []), "owner"
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
                cause = check_reachable and unreachable_cause(
                    cfg.endpoint_url,
                    profile=cfg.profile,
                    region=cfg.region,
                    anonymous=anonymous,
                    path_style=cfg.path_style,
                )
                if cause:
                    where = cfg.endpoint_url or "the AWS S3 endpoint"
                    raise TargetError(
                        t, f"{cause} at {where}", "check --endpoint-url, the network and the port"
                    )
            rest = t[5:]
            bucket, _, prefix = rest.partition("/")
            if not bucket:
                out.extend(Target(s3store, b) for b in s3store.list_buckets())
            else:
                out.append(Target(s3store, bucket, prefix))
        elif is_url_target(t):
            mode = cloud_targets(cfg, t, out, cloud, mode)
        else:
            root = Path(t[7:] if t.startswith("file://") else t)
            if root.is_file():
                # a single file: its folder is the store, the file the only key
                path = root.resolve()
                out.append(Target(LocalStore(path.parent.parent), path.parent.name, only_key=path.name))
                continue
            if "://" in t:
                raise TargetError(t, "unsupported URL scheme", "use s3://BUCKET, a folder or a file")
            if not root.is_dir():
                raise TargetError(t, "no such file or folder", "use s3://BUCKET, a folder or a file")
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
        pool: WorkerPool | None = None,
    ) -> None:
        self.cfg = cfg
        self.db = store
        self.progress = Progress()
        self.on_progress = on_progress or (lambda p, msg: None)
        self.log = EventLog(cfg.log_json)
        self._pool: WorkerPool | None = pool  # shut down with the scan, whoever started it
        self._scan_deadline_at = (
            time.monotonic() + cfg.scan_deadline if cfg.scan_deadline is not None else None
        )
        self._pool_lock = threading.Lock()
        self._secret = cfg.secret or _default_secret()
        self._key_engine: Any = None
        self._key_lock = threading.RLock()  # the key engine: the scan's thread and the assessment's
        self._specs: dict[int, StoreSpec] = {}  # per store: how a worker reaches it (batches)
        self._warnings: dict[tuple[str, str], list[str]] = {}  # per object, until it is recorded
        self.accounts: list[Any] = []  # Organization scan: every account and what became of it
        # one transaction per batch of finished objects; progress and events once they are stored
        self.writer = BatchWriter(store, on_written=self._written)

    # -- worker pool -----------------------------------------------------------------------
    def _workers(self) -> int:
        return worker_count(self.cfg)

    def pool(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = make_pool(self.cfg, self._secret)
            return self._pool

    def hard_deadline(self) -> float:
        """Seconds after which the parent kills a worker still on one object: the budget the worker
        checks itself, plus a grace for it to wrap up and answer: half the budget, at least 2 s (never
        more than the budget itself), at most 30 s."""
        t = self.cfg.object_timeout
        return t + min(30.0, max(t / 2, min(t, 2.0)))

    # -- one object --------------------------------------------------------------------------
    @property
    def secret(self) -> bytes:
        """The fingerprint key: the watcher keys its object ledger with it too."""
        return self._secret

    def _engine_for_keys(self) -> Any:
        if self._key_engine is None:
            from phiscope.detect.engine import DetectionEngine

            self._key_engine = DetectionEngine(self._secret)
        return self._key_engine

    def shown_key(self, key: str) -> str:
        """An object key as it is stored and shown: masked, with a keyed fingerprint, when detection
        finds a value in it; as it is otherwise (logs and errors name objects the same way)."""
        with self._key_lock:
            found = key_findings(self._engine_for_keys(), key)
        return masked_key(self._secret, key) if found.detections else key

    def masked_assessment(self, a: Assessment, sampled: Iterable[str] = ()) -> Assessment:
        """An exposure assessment as stored: the object keys it quotes (the ones sampled for their
        ACLs, those a probe or an error names) masked where they hold a value."""
        quoted = json.dumps([a.exposure, a.errors], ensure_ascii=False, default=str)
        # only keys the assessment quotes (a key JSON would escape: checked whatever the text says)
        keys = {k for k in sampled if k in quoted or '"' in k or "\\" in k or not k.isprintable()}
        keys |= named_keys(a.exposure) | named_keys(a.errors)
        if not keys:  # a local folder, a private bucket: no detection engine built for nothing
            return a
        return masked(a, {k: shown for k in keys if (shown := self.shown_key(k)) != k})

    def _mask_key(self, r: ObjectResult) -> ObjectResult:
        """The key of an object that no worker checked (scan/keys.py)."""
        if r.key_checked:
            return r
        with self._key_lock:
            return mask_key(self._engine_for_keys(), self._secret, r)

    def finish(self, r: ObjectResult) -> ObjectResult:
        """One object's result as it is stored: key masked, library warnings logged (sanitised).
        The watcher records objects itself and needs exactly what a scan stores."""
        notes = self._warnings.pop((r.ref.bucket, r.ref.key), None)
        r = self._mask_key(r)
        if notes:  # library warnings: in the log, sanitised, never on the terminal
            self.log.emit("library_warnings", bucket=r.ref.bucket, key=r.ref.key, warnings=notes)
        return r

    def _run_one(self, target: Target, ref: ObjectRef) -> ObjectResult:
        try:
            return self._run_one_unguarded(target, ref)
        except Exception as e:  # nothing about one object may abort the scan
            return ObjectResult(ref, Status.SKIPPED, f"internal error ({type(e).__name__})")

    def _run_one_unguarded(self, target: Target, ref: ObjectRef) -> ObjectResult:
        job = self.prepare(target, ref)
        return job if isinstance(job, ObjectResult) else self.run_job(job)

    def prepare(self, target: Target, ref: ObjectRef, *, remote: bool = False) -> worker.Job | ObjectResult:
        """The worker's job for one object (its local path, or its bytes fetched to a spool file), or
        the object's final status when it is not to be read (archived, too large, not a regular
        file, past the scan deadline, fetch failed)."""
        cfg = self.cfg  # its two sizes, not cfg.limits(): a Limits built per object showed in profiles
        if ref.storage_class in ARCHIVE_CLASSES:
            return ObjectResult(ref, Status.SKIPPED, f"archived ({ref.storage_class}): not restored")
        if ref.size > cfg.max_object_bytes:
            return ObjectResult(ref, Status.SKIPPED, f"too large ({ref.size} bytes > max object size)")
        left = self._time_left()
        if left is not None and left <= 0:
            return ObjectResult(ref, Status.SKIPPED, "scan deadline reached: not read")
        store = target.store
        try:
            if isinstance(store, LocalStore):  # the worker checks and opens it (storage/local.py)
                return worker.Job(
                    ref,
                    store.raw_path(ref),
                    min(ref.size, cfg.max_read_bytes),
                    ref.size > cfg.max_read_bytes,
                    delete_after=False,
                    root=store.root_str,
                )
            if remote and isinstance(store, S3Store) and not target.account:
                # a small object of a batch: the worker fetches it (scan/worker.py, storage/s3fast.py)
                n = min(ref.size, cfg.max_read_bytes)
                spec = self._specs.get(id(store))
                if spec is None:
                    spec = self._specs[id(store)] = store_spec(target, self.cfg)
                return worker.Job(ref, "", n, ref.size > n, delete_after=False, source=spec)
            return self._fetch_to_file(store, ref, cfg.max_read_bytes)
        except Exception as e:
            return ObjectResult(ref, Status.SKIPPED, _fetch_reason(e))

    def _job_deadline(self) -> tuple[float, bool]:
        """Seconds the parent gives a job before it kills the worker (the object budget plus a grace,
        or what is left of the scan's deadline when that is shorter), and whether the scan's it is."""
        hard = self.hard_deadline()
        left = self._time_left()
        by_scan = left is not None and left < hard
        return (max(0.0, left) if by_scan and left is not None else hard), by_scan

    def run_job(self, job: worker.Job) -> ObjectResult:
        """One object in the pool under the deadline enforced from outside; always a status."""
        timeout, by_scan = self._job_deadline()
        t0 = time.perf_counter()
        try:
            result, notes = self.pool().run(job, timeout)
            if notes:  # by the result's key: the worker may have masked it
                self._warnings[(result.ref.bucket, result.ref.key)] = notes
            return cast(ObjectResult, result)
        except WorkerTimeout:
            why = "scan deadline reached" if by_scan else f"timeout: worker stopped after {timeout:g} s"
            reason = f"{why} (object budget {self.cfg.object_timeout:g} s)"
        except WorkerCrashed as e:
            reason = _crash_reason(e.exitcode)
        except RuntimeError as e:
            reason = f"internal error ({e})"
        finally:
            if job.delete_after:
                _unlink(job.path)
        return ObjectResult(
            job.ref, Status.SKIPPED, reason, bytes_read=job.bytes_read, seconds=time.perf_counter() - t0
        )

    def run_jobs(self, jobs: list[worker.Job]) -> list[ObjectResult]:
        """A batch of small objects as one pool task, with one object's deadline for all of them.
        Raises WorkerTimeout / WorkerCrashed / RuntimeError when the batch overran or killed its
        worker, so that the caller runs each object again alone (scan/batch.py)."""
        timeout, _ = self._job_deadline()
        out = self.pool().run(jobs, timeout)
        for r, notes in out:
            if notes:
                self._warnings[(r.ref.bucket, r.ref.key)] = notes
        return [cast(ObjectResult, r) for r, _ in out]

    def _time_left(self) -> float | None:
        if self._scan_deadline_at is None:
            return None
        return self._scan_deadline_at - time.monotonic()

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
        targets, mode = resolve_targets(cfg, self.accounts)
        scan_id = cfg.resume or new_scan_id()
        if resumed:
            if self.db.get_scan(scan_id) is None:
                raise KeyError(f"no scan {scan_id!r} to resume")
            self.db.set_scan_state(scan_id, "running")
        else:
            self.db.create_scan(
                scan_id,
                targets=cfg.targets,
                endpoint=strip_url_credentials(cfg.endpoint_url),
                mode=mode,
                options=cfg.options(),
                version=__version__,
            )
        self.log.emit("scan_started", scan_id=scan_id, targets=cfg.targets, mode=mode, resumed=resumed)
        done = self.db.finished_keys(scan_id)
        todo: Iterable[tuple[Target, ObjectRef]] = []
        plan: list[tuple[Target, Iterable[ObjectRef]]] = []
        try:
            plan = self._plan(scan_id, targets, mode)
            if all(isinstance(refs, list) for _, refs in plan):
                todo = [(t, r) for t, refs in plan for r in refs if (r.bucket, r.key) not in done]
                self.progress.objects_total = len(todo)
            else:  # a listing scanned as it comes: the total grows with it
                todo = self._counted(
                    (t, r) for t, refs in plan for r in refs if (r.bucket, r.key) not in done
                )
            self.on_progress(self.progress, "scanning")
            self._execute(scan_id, todo)
            self.writer.flush()
            self.db.set_scan_state(scan_id, "finished")
        except ScanInterrupted:
            self.db.set_scan_state(scan_id, "interrupted")
            raise
        except KeyboardInterrupt:
            self.db.set_scan_state(scan_id, "interrupted")
            raise ScanInterrupted(scan_id) from None
        except BaseException:
            with contextlib.suppress(Exception):
                self.writer.flush()  # what was finished stays finished
            self.db.set_scan_state(scan_id, "failed")
            raise
        finally:
            for it in (todo, *(refs for _, refs in plan)):  # a listing stopped early records its bucket
                close = getattr(it, "close", None)
                if close is not None:
                    with contextlib.suppress(Exception):
                        close()
            if self._pool is not None:
                self._pool.shutdown()
            self.log.emit("scan_finished", scan_id=scan_id, **asdict(self.progress))
            self.log.close()
        return scan_id

    def _counted(self, todo: Iterator[tuple[Target, ObjectRef]]) -> Iterator[tuple[Target, ObjectRef]]:
        for item in todo:
            self.progress.objects_total += 1
            yield item

    def _plan(
        self, scan_id: str, targets: list[Target], mode: str
    ) -> list[tuple[Target, Iterable[ObjectRef]]]:
        """Assess exposure and list every bucket; exposed buckets come first. One bucket read whole
        (no sample, no object cap) is not listed in full first: its objects are scanned while the
        rest of its listing comes and while its exposure is assessed (`_plan_streamed`)."""
        cfg = self.cfg
        budget = Budget() if cfg.full else parse_budget(cfg.sample)
        owner = mode == "owner" and any(isinstance(t.store, S3Store) for t in targets)

        def owner_context() -> tuple[str | None, Any]:
            """(account id, s3control client) for the account-level settings of an owner scan."""
            if not owner:
                return cfg.account_id, None
            acct = cfg.account_id or account_id(cfg.endpoint_url, cfg.profile, cfg.region)
            ctl = make_client(
                "s3control", endpoint_url=cfg.endpoint_url, profile=cfg.profile, region=cfg.region
            )
            return acct, ctl

        if self.accounts:
            save_accounts(self.db.engine, scan_id, [a.to_row() for a in self.accounts])
        if len(targets) == 1 and budget.unlimited and cfg.max_objects is None and cfg.executor == "local":
            return [self._plan_streamed(scan_id, targets[0], mode, owner_context)]
        acct, s3control = owner_context()
        planned: list[tuple[int, Target, Iterable[ObjectRef]]] = []
        for t in targets:
            refs, _, errors = self._first_keys(t, None)
            a = self._assess(t, mode, acct, s3control, refs[:EXPOSURE_SAMPLE_KEYS])
            self._save_account(scan_id, t, mode, acct)
            if cfg.max_objects is not None:
                b = Budget(
                    objects=min(cfg.max_objects, budget.objects or cfg.max_objects),
                    bytes=budget.bytes,
                    percent=budget.percent,
                )
            else:
                b = budget
            chosen, sampled = select(refs, b, seed=cfg.seed)
            public = self._save_planned(scan_id, t, a, refs, chosen, sampled, errors)
            planned.append((0 if public else 1, t, chosen))
        planned.sort(key=lambda x: x[0])  # stable: exposed first, then target order
        return [(t, refs) for _, t, refs in planned]

    def _first_keys(
        self, t: Target, limit: int | None
    ) -> tuple[list[ObjectRef], Iterator[ObjectRef], list[str]]:
        """(the first `limit` objects listed, or all; the rest of the listing; listing errors)."""
        self.on_progress(self.progress, f"listing {t.bucket}")
        errors: list[str] = []
        listing = iter(self._list(t))
        refs: list[ObjectRef] = []
        try:
            for r in listing:
                refs.append(r)
                if limit is not None and len(refs) >= limit:
                    break
        except Exception as e:
            listing = iter(())
            errors.append(f"listing failed: {_fetch_reason(e)}")
        return refs, listing, errors

    def _plan_streamed(
        self, scan_id: str, t: Target, mode: str, owner_context: Callable[[], tuple[str | None, Any]]
    ) -> tuple[Target, Iterable[ObjectRef]]:
        """One bucket read whole: its first keys are listed, its exposure is assessed on a thread of
        its own (the settings reads and the live probe are round trips, not work), and its objects
        are scanned meanwhile, as the listing brings them. Until the assessment is in, the bucket's
        row says it was not assessed: a scan that dies before shows "could not verify"."""

        refs, listing, errors = self._first_keys(t, EXPOSURE_SAMPLE_KEYS)
        head = list(refs)

        def assess() -> tuple[str | None, Assessment]:
            acct, s3control = owner_context()
            return acct, self._assess(t, mode, acct, s3control, head)

        one = ThreadPoolExecutor(1, thread_name_prefix="phiscope-assess")
        assessed = one.submit(assess)
        one.shutdown(wait=False)  # the thread ends with its one task; `_streamed` waits for its answer
        unassessed = Assessment(None, ["exposure not assessed: the scan ended before the assessment"])
        self._save_planned(scan_id, t, unassessed, refs, refs, False, errors, final=False)
        return t, self._streamed(scan_id, t, mode, assessed, refs, listing, errors)

    def _assess(
        self, t: Target, mode: str, acct: str | None, s3control: Any, keys: list[ObjectRef]
    ) -> Assessment:
        """The bucket's exposure, from its settings (and the live probe), sampling ACLs of `keys`."""
        cfg = self.cfg
        names = [r.key for r in keys]
        if getattr(t.store, "provider", "s3") in ("azure", "gcs"):
            a = assess_cloud(t.store, t.bucket, names)
        elif isinstance(t.store, S3Store) and mode == "owner" and not t.store.anonymous:
            a = assess_owner(t.store.client, t.s3control or s3control, t.bucket, t.account or acct, names)
            if cfg.live_probe:
                a = merge_live_probe(a, t.bucket, cfg.endpoint_url, cfg.region)
        elif isinstance(t.store, S3Store) and mode in ("owner", "anonymous"):  # S3, no credentials
            a = assess_anonymous(t.bucket, cfg.endpoint_url, cfg.region)
        else:
            a = Assessment(None, [])
        return self.masked_assessment(a, iter(names))

    def _save_account(self, scan_id: str, t: Target, mode: str, acct: str | None) -> None:
        if isinstance(t.store, S3Store) and mode == "owner" and not t.store.anonymous and (t.account or acct):
            save_account(self.db.engine, scan_id, t.bucket, str(t.account or acct), t.account_name)

    def _save_planned(
        self,
        scan_id: str,
        t: Target,
        a: Assessment,
        refs: list[ObjectRef],
        chosen: list[ObjectRef],
        sampled: bool,
        errors: list[str],
        *,
        final: bool = True,
    ) -> bool:
        """The bucket's row (what was listed and selected, its exposure); once its listing is whole,
        its strata and the `bucket_planned` event too. Returns whether it is exposed."""
        if final:
            save_strata(self.db.engine, scan_id, t.bucket, refs, chosen)
        self.db.save_bucket(
            scan_id,
            BucketRow(
                provider=getattr(t.store, "provider", None),
                name=t.bucket,
                endpoint=strip_url_credentials(t.store.endpoint),
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
        if final:
            self.log.emit(
                "bucket_planned",
                bucket=t.bucket,
                public=public,
                objects=len(refs),
                selected=len(chosen),
                exposure_errors=a.errors + errors,
            )
        return public

    def _streamed(
        self,
        scan_id: str,
        t: Target,
        mode: str,
        assessed: Future[tuple[str | None, Assessment]],
        refs: list[ObjectRef],
        listing: Iterator[ObjectRef],
        errors: list[str],
    ) -> Iterator[ObjectRef]:
        """The objects listed so far, then the rest as the listing brings them; the bucket's row is
        completed (exposure, counts, strata) when the listing ends. A listing that fails part way
        keeps what it had listed (scanned) and says so in the bucket's errors. A scan stopped early
        (Ctrl-C, an error) records the bucket as far as it was listed, with its exposure if that was
        already in."""
        whole = False
        try:
            yield from list(refs)
            try:
                for r in listing:
                    refs.append(r)
                    yield r
            except Exception as e:
                errors.append(f"listing failed: {_fetch_reason(e)}")
            whole = True
        finally:
            if whole or (assessed.done() and assessed.exception() is None):
                acct, a = assessed.result()
                self._save_account(scan_id, t, mode, acct)
                if not whole:
                    errors.append("listing failed: the scan stopped before the listing ended")
                self._save_planned(scan_id, t, a, refs, refs, False, errors)

    def _list(self, t: Target) -> Iterator[ObjectRef]:
        if t.only_key is not None and isinstance(t.store, LocalStore):
            st = (t.store.root / t.bucket / t.only_key).stat()
            yield ObjectRef(bucket=t.bucket, key=t.only_key, size=st.st_size)
        elif self.cfg.inventory and isinstance(t.store, S3Store):
            from phiscope.storage.inventory import read_inventory

            yield from read_inventory(t.store, self.cfg.inventory, bucket=t.bucket, prefix=t.prefix)
        else:
            yield from t.store.list_objects(t.bucket, t.prefix)

    def _execute(self, scan_id: str, todo: Iterable[tuple[Target, ObjectRef]]) -> None:
        if self.cfg.executor != "local":  # a Ray cluster (scan/executors.py); results come back here
            return make_executor(self.cfg).execute(self, scan_id, list(todo))
        inflight_max = self._workers() * 2 + self.cfg.fetch_threads
        inflight: set[Future[Any]] = set()
        with ThreadPoolExecutor(max_workers=max(self.cfg.fetch_threads, self._workers())) as threads:
            try:
                for t, ref in batch.plan(todo, self.cfg.batch_objects):  # small objects: in batches
                    while len(inflight) >= inflight_max:
                        finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                        for f in finished:
                            self._record(scan_id, f.result())
                    if isinstance(ref, list):
                        inflight.add(threads.submit(batch.run_batch, self, t, ref))
                    else:
                        inflight.add(threads.submit(self._run_one, t, ref))
                while inflight:
                    finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    for f in finished:
                        self._record(scan_id, f.result())
            except KeyboardInterrupt:
                self._finish_inflight(scan_id, inflight)
                raise ScanInterrupted(scan_id) from None

    def _finish_inflight(self, scan_id: str, inflight: set[Future[Any]]) -> None:
        """Ctrl-C: start nothing new, record the objects already in flight that finish cleanly (a
        second Ctrl-C stops waiting); the rest stay unrecorded, so --resume scans them."""
        for f in inflight:
            f.cancel()
        try:
            for f in inflight:
                if f.cancelled():
                    continue
                try:
                    r = f.result()
                except BaseException:
                    continue
                self._record(scan_id, r)
            self.writer.flush()
        except KeyboardInterrupt:
            return

    def _record(self, scan_id: str, r: ObjectResult | list[ObjectResult]) -> None:
        for one in r if isinstance(r, list) else [r]:
            self.writer.add(scan_id, self.finish(one))

    def _written(self, results: list[ObjectResult]) -> None:
        for r in results:
            self._done(r)

    def _done(self, r: ObjectResult) -> None:
        p = self.progress
        p.objects_done += 1
        p.bytes_done += r.bytes_read
        if r.findings.detections:
            p.findings += sum(s.count for s in r.findings.detections.values())
            p.phi_objects += int(r.contains_phi)
        p.by_status[r.status.value] += 1
        if self.log.enabled:
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


def worker_count(cfg: ScanConfig) -> int:
    return cfg.workers or max(1, os.cpu_count() or 1)  # 0: one per core


def make_pool(cfg: ScanConfig, secret: bytes) -> WorkerPool:
    """The scan's worker processes (not started until asked: `prestart` or a first job)."""
    return WorkerPool(
        worker_count(cfg),
        worker.process_logged,
        initializer=worker.init_worker,
        initargs=(secret, cfg.limits()),
        max_memory=cfg.worker_memory,
        preload=_preload(cfg),
    )


def _preload(cfg: ScanConfig) -> list[str]:
    """Modules every worker of this scan imports, imported once in the fork server instead: the
    detection engine's code, and boto3 with botocore's S3 model when a target is in object storage."""
    modules = ["phiscope.scan.worker", "phiscope.detect.engine"]
    if cfg.endpoint_url or any(t.partition("://")[0].lower() == "s3" for t in cfg.targets):
        modules.append("phiscope.storage.s3warm")
    return modules


def prestarted_pool(cfg: ScanConfig) -> WorkerPool | None:
    """For a local scan: the secret settled and the workers starting now, in the background (see
    WorkerPool.prestart); hand the pool to Scanner(pool=...). None for other executors."""
    if cfg.executor != "local":
        return None
    cfg.secret = cfg.secret or _default_secret()
    pool = make_pool(cfg, cfg.secret)
    pool.prestart()
    return pool


def _crash_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        with contextlib.suppress(ValueError):
            return f"worker crashed on this object ({signal.Signals(-exitcode).name})"
    return "worker crashed on this object"


def run_scan(cfg: ScanConfig, db: Store, on_progress: Callable[[Progress, str], None] | None = None) -> str:
    return Scanner(cfg, db, on_progress=on_progress).run()


__all__ = ["Progress", "ScanConfig", "Scanner", "run_scan"]
