"""Small objects travel to the workers in batches: one pool task, one IPC round trip per batch.

On a bucket of tiny files the fixed cost per object (a thread hand-off, a future, a pickled task
and result through the process pool) outweighed extraction and detection. Objects up to
`SMALL_BYTES` whose names do not announce an archive or media file (those can be slow however
small: a 42 kB zip bomb, a scanned page) are grouped, consecutive and per bucket, into batches of
up to `BATCH_OBJECTS`; each worker handles its batch object by object with the same code and the
same per-object status as alone. A worker crash inside a batch falls back to one object at a time,
so only the object that really kills a worker is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.scan import worker
from phiscope.storage.base import ARCHIVE_CLASSES

SMALL_BYTES = 256 * 1024
BATCH_OBJECTS = 64
# Names that announce work which can be slow however small the object: never batched.
SLOW_EXTENSIONS = frozenset(
    [
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "7z",
        "tar",
        "rar",
        "jar",
        "zst",
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "tif",
        "tiff",
        "gif",
        "bmp",
        "webp",
        "heic",
        "dcm",
        "wav",
        "mp3",
        "m4a",
        "ogg",
        "flac",
        "opus",
        "amr",
        "mp4",
        "mov",
        "webm",
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "ods",
        "doc",
        "xls",
    ]
)


def batchable(ref: ObjectRef) -> bool:
    if ref.size > SMALL_BYTES or ref.storage_class in ARCHIVE_CLASSES:
        return False
    name = ref.key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() not in SLOW_EXTENSIONS if "." in name else True


def plan(todo: Iterable[tuple[Any, ObjectRef]], size: int = BATCH_OBJECTS) -> Iterator[tuple[Any, Any]]:
    """(target, ref) for objects alone, (target, [refs]) for batches of small ones, in listing order."""
    batch: list[ObjectRef] = []
    batch_target: Any = None
    for t, ref in todo:
        if size > 1 and batchable(ref):
            if batch and t is not batch_target:
                yield batch_target, batch
                batch = []
            batch_target = t
            batch.append(ref)
            if len(batch) >= size:
                yield t, batch
                batch = []
        else:
            yield t, ref
    if batch:
        yield batch_target, batch


def process_many(jobs: list[worker.Job]) -> list[ObjectResult]:
    """In a worker process: each object as `worker.process` would handle it alone."""
    return [worker.process(j) for j in jobs]


def run_batch(scanner: Any, target: Any, refs: list[ObjectRef]) -> list[ObjectResult]:
    """In a fetch thread: read the batch's bytes (local path or GET), one pool task for all."""
    from phiscope.scan.pipeline import _fetch_reason, _unlink
    from phiscope.storage.local import LocalStore

    limits = scanner.cfg.limits()
    results: list[ObjectResult] = []
    jobs: list[worker.Job] = []
    spooled: list[str] = []  # fetched copies, removed here once the whole batch is through
    try:
        for ref in refs:
            try:
                if isinstance(target.store, LocalStore):
                    path = str(target.store.path_of(ref))
                    n = min(ref.size, limits.max_read_bytes)
                    jobs.append(worker.Job(ref, path, n, ref.size > n, delete_after=False))
                else:
                    job = scanner._fetch_to_file(target.store, ref, limits.max_read_bytes)
                    spooled.append(job.path)
                    jobs.append(replace(job, delete_after=False))
            except Exception as e:
                results.append(ObjectResult(ref, Status.SKIPPED, _fetch_reason(e)))
        if not jobs:
            return results
        pool = scanner.pool()
        try:
            return results + list(pool.submit(process_many, jobs).result())
        except BrokenProcessPool:
            scanner._reset_pool(pool)
        # a worker died somewhere in the batch: each object again alone, so only the one that
        # really kills a worker is reported as such
        return results + [_retry_alone(scanner, job) for job in jobs]
    finally:
        for path in spooled:
            _unlink(path)


def _retry_alone(scanner: Any, job: worker.Job) -> ObjectResult:
    for _attempt in (1, 2):
        pool = scanner.pool()
        try:
            return pool.submit(worker.process, job).result()
        except BrokenProcessPool:
            scanner._reset_pool(pool)
    return ObjectResult(job.ref, Status.SKIPPED, "worker crashed on this object", bytes_read=job.bytes_read)
