"""One object through extract → detect, in a worker process.

Each process builds its detection engine once (compiled patterns, fingerprint key) and then handles
many objects. Whatever goes wrong inside one object becomes that object's status; what was found
before the failure is kept.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from phiscope.extract.base import ExtractContext, Item, Limits, SkipObject
from phiscope.extract.locs import NOWHERE
from phiscope.impact.people import compress_records
from phiscope.model import ContentFindings, ObjectRef, ObjectResult, Segment, Status, pickled_by_fields
from phiscope.runtime import settle_heap
from phiscope.scan.keys import mask_key
from phiscope.textsafe import mask_label, name_as_text, server_message

_ENGINE: Any = None
_SECRET = b""
_LIMITS = Limits()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Job:
    """What a worker needs: the object, where its bytes are, and whether they were cut short."""

    ref: ObjectRef
    path: str
    bytes_read: int
    truncated: bool
    delete_after: bool
    root: str | None = None  # a local store's root: the worker checks and opens the file itself
    source: Any = None  # a StoreSpec (scan/units.py): the worker fetches the object itself


def init_worker(secret: bytes, limits: Limits) -> None:
    """Process-pool initializer: build the engine once per process."""
    global _ENGINE, _LIMITS, _SECRET
    import signal

    # Ctrl-C belongs to the parent, which lets the objects in flight finish, then stops (issue 22)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one thread per process
    from phiscope.detect.engine import DetectionEngine

    _ENGINE = DetectionEngine(secret)
    _SECRET = secret
    _LIMITS = limits
    settle_heap()


def _media_hooks(ctx: ExtractContext) -> None:
    if not ctx.limits.ocr:
        return
    try:
        from phiscope.extract import media
    except ImportError:
        return
    if media.ocr_available():
        ctx.ocr_image = media.ocr_image


class _Guard:
    """Wraps the extractor's iterator: an error after some output becomes 'partial', not a loss."""

    def __init__(self, items: Iterator[Item], ctx: ExtractContext) -> None:
        self.items = items
        self.ctx = ctx
        self.yielded = 0
        self.skip: SkipObject | None = None

    def __iter__(self) -> Iterator[Item]:
        try:
            for item in self.items:
                self.yielded += 1
                yield item
        except SkipObject as e:
            if self.yielded:
                self.ctx.mark_partial(e.reason)
            else:
                self.skip = e
        except MemoryError:
            self.ctx.mark_partial("out of memory while reading")
        except Exception as e:  # a library's bug on odd input: never a stack trace for the user
            # The type only: a library's message may quote the object's content.
            self.ctx.mark_partial(f"reader error ({type(e).__name__})")


def _open_regular(path: str, root: str | None = None) -> BinaryIO:
    """Open without blocking (a FIFO swapped in after listing must not hang the worker) and refuse
    anything but a regular file; a local store's file with all of `open_listed`'s checks."""
    if root is not None:
        from phiscope.storage.local import NotRead, open_listed

        try:
            return open_listed(path, root)
        except NotRead as e:
            raise SkipObject(str(e)) from None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SkipObject("special file: not a regular file")
    return open(fd, "rb")


_NAME_FIELDS = ("member", "sheet", "column")


def _mask_names(findings: ContentFindings) -> None:
    """Names that locations carry (archive member paths, sheet names, column headers) are content
    too: each one is scanned; what is found in it is counted, and the name is masked wherever it
    is shown (`exports/A** Q******* ###-##-####.csv`)."""
    if _ENGINE is None:
        return
    names = {
        v
        for s in findings.detections.values()
        for loc in s.locations
        for f in _NAME_FIELDS
        if (v := getattr(loc, f))
    }
    masked: dict[str, str] = {}
    for name in names:
        found = _ENGINE.scan(iter([Segment(name_as_text(name), NOWHERE, "file name")]))
        if found.detections:
            found.people = []
            findings.merge(found)
            masked[name] = mask_label(name)
    if not masked:
        return
    for s in findings.detections.values():
        s.locations = [
            loc.with_(**{f: masked[v] for f in _NAME_FIELDS if (v := getattr(loc, f)) in masked})
            for loc in s.locations
        ]


MAX_WARNINGS = 20  # distinct library warnings kept per object


def process_logged(job: Job | list[Job]) -> Any:
    """A list of jobs (a batch of small objects, scan/batch.py): a list of the answers below.

    `process`, plus the library warnings it raised, sanitised for the event log: libraries quote
    the content they choke on (pydicom: `Invalid value for VR IS: '<an SSN>'`), so quoted parts are
    dropped and digits masked before anything leaves the worker; nothing goes to stderr."""
    if isinstance(job, list):
        fetched = _fetch_all(job)  # lazily: each object is scanned while the next ones download
        return [f if isinstance(f, tuple) else _logged(j, f) for j, f in zip(job, fetched, strict=True)]
    if job.source is not None:
        (f,) = _fetch_all([job])
        return f if isinstance(f, tuple) else _logged(job, f)
    return _logged(job, None)


def _logged(job: Job, data: bytes | None) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = process(job, data)
    notes: list[str] = []
    for w in caught:
        note = f"{w.category.__name__}: {server_message(str(w.message))}"
        if note not in notes:
            notes.append(note)
            if len(notes) >= MAX_WARNINGS:
                break
    return result, notes


_GETTERS: dict[Any, Any] = {}


def _fetch_all(jobs: list[Job]) -> Iterator[bytes | tuple[ObjectResult, list[str]] | None]:
    """The bytes of the jobs whose object this worker fetches itself (None for the others), in
    order, handed out as they arrive: small objects of a remote store come in batches, each run of
    one bucket is requested at once on one connection (storage/s3fast.py), their bytes never pass
    through the scan's parent process, and scanning one overlaps the server's work on the next. A
    failed read becomes its status."""
    i = 0
    while i < len(jobs):
        first = jobs[i]
        if first.source is None:
            yield None
            i += 1
            continue
        end = i + 1
        while (
            end < len(jobs) and jobs[end].source == first.source and jobs[end].ref.bucket == first.ref.bucket
        ):
            end += 1
        yield from _fetch_run(jobs[i:end])
        i = end


def _fetch_run(run: list[Job]) -> Iterator[bytes | tuple[ObjectResult, list[str]]]:
    """One bucket's objects: pipelined, and through boto3 (its retries and error codes) for any
    object the fast path did not answer plainly."""
    import itertools

    from phiscope.scan.units import _fetch_reason, store_for
    from phiscope.storage.s3fast import FastGetter, Want

    fast: Iterator[bytes | None]
    try:
        store = store_for(run[0].source)
        getter = _GETTERS.get(run[0].source)
        if getter is None:
            getter = _GETTERS.setdefault(run[0].source, FastGetter(store.client, anonymous=store.anonymous))
        wants = [Want(j.ref.key, j.bytes_read, j.truncated) for j in run]
        fast = getter.get_many(run[0].ref.bucket, wants, _LIMITS.max_read_bytes)
    except Exception as e:  # no client for this store: every object has the same status
        for job in run:
            yield ObjectResult(job.ref, Status.SKIPPED, _fetch_reason(e)), []
        return
    for job in run:
        try:
            data = next(fast)
        except Exception:  # the fast path itself failed: the slow way for the rest
            data, fast = None, itertools.repeat(None)
        if data is None:
            try:
                fetched = store.fetch(job.ref, _LIMITS.max_read_bytes)
                try:
                    data = fetched.stream.read()
                finally:
                    fetched.close()
            except Exception as e:
                yield ObjectResult(job.ref, Status.SKIPPED, _fetch_reason(e)), []
                continue
        yield data


def process(job: Job, data: bytes | None = None) -> ObjectResult:
    """Extract and detect one object (from its file, or from `data` fetched here); always returns a
    result with a status."""
    from phiscope.extract.dispatch import extract_object

    t0 = time.perf_counter()
    ctx = ExtractContext(name=job.ref.key, limits=_LIMITS)
    _media_hooks(ctx)
    findings = ContentFindings()
    status, reason = Status.COMPLETE, None
    bytes_read = job.bytes_read
    try:
        try:
            opened = _open_regular(job.path, job.root) if data is None else io.BytesIO(data)
        except SkipObject:
            bytes_read = 0  # not opened: a link, a special file, outside the folder
            raise
        if data is not None:
            bytes_read = len(data)
        with opened as stream:
            guard = _Guard(extract_object(stream, ctx), ctx)
            findings = _ENGINE.scan(iter(guard))
        if guard.skip is not None:
            status, reason = Status.SKIPPED, guard.skip.reason
    except SkipObject as e:
        status, reason = Status.SKIPPED, e.reason
    except Exception as e:
        status, reason = Status.SKIPPED, f"internal error ({type(e).__name__})"
    finally:
        if job.delete_after:
            with contextlib.suppress(OSError):
                os.unlink(job.path)
    _mask_names(findings)
    if findings.people:
        findings.people = compress_records(findings.people)  # same count, far fewer rows to store
    if (job.truncated or (data is not None and job.ref.size > bytes_read)) and status is not Status.SKIPPED:
        ctx.mark_partial(f"truncated: first {bytes_read} bytes read")
    if status is Status.COMPLETE and ctx.partial_reasons:
        status, reason = Status.PARTIAL, "; ".join(ctx.partial_reasons)
    result = ObjectResult(
        ref=job.ref,
        status=status,
        reason=reason,
        content_type=ctx.content_type,
        findings=findings,
        bytes_read=bytes_read,
        seconds=time.perf_counter() - t0,
    )
    return mask_key(_ENGINE, _SECRET, result) if _ENGINE is not None else result
