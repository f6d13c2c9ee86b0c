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
from dataclasses import replace
from typing import Any

from phiscope.extract.sniff import IMAGE_EXTENSIONS, RECORDING_EXTENSIONS
from phiscope.model import ObjectRef, ObjectResult
from phiscope.scan import worker
from phiscope.scan.workerpool import WorkerCrashed, WorkerTimeout
from phiscope.storage.base import ARCHIVE_CLASSES

SMALL_BYTES = 256 * 1024
BATCH_OBJECTS = 64
# Names that announce work which can be slow however small the object: never batched.
SLOW_EXTENSIONS = (
    frozenset(
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
            "dcm",
            "docx",
            "xlsx",
            "pptx",
            "odt",
            "ods",
            "doc",
            "xls",
        ]
    )
    | IMAGE_EXTENSIONS
    | RECORDING_EXTENSIONS
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


def run_batch(scanner: Any, target: Any, refs: list[ObjectRef]) -> list[ObjectResult]:
    """In a fetch thread: each object prepared as it would be alone (special files, deadlines,
    fetch), then one pool task for the batch under one object's deadline. A batch that overruns or
    kills its worker runs again object by object, so only the object at fault gets that status."""
    from phiscope.scan.units import _unlink

    results: list[ObjectResult] = []
    jobs: list[worker.Job] = []
    spooled: list[str] = []  # fetched copies, removed here once the whole batch is through
    try:
        for ref in refs:
            prepared = scanner.prepare(target, ref, remote=True)
            if isinstance(prepared, ObjectResult):
                results.append(prepared)
                continue
            if prepared.delete_after:
                spooled.append(prepared.path)
            jobs.append(replace(prepared, delete_after=False) if prepared.delete_after else prepared)
        if not jobs:
            return results
        try:
            return results + scanner.run_jobs(jobs)
        except (WorkerTimeout, WorkerCrashed, RuntimeError):
            return results + [scanner.run_job(job) for job in jobs]
    finally:
        for path in spooled:
            _unlink(path)
