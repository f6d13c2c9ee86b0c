"""The one database writer of a scan: finished objects buffered and written a batch at a time.

One transaction per batch instead of per object: on a bucket of tiny files the commit and the ORM
round trips were most of the per-object cost. A batch is written when it holds `max_objects`, when
its objects took more than `max_work_seconds` to produce (expensive work, OCR or a long recording,
is made durable at once), or when the oldest object in it has waited `max_wait_seconds`; and always
at the end of the scan or when it fails. The objects table stays the resume ledger: a crash loses at
most the unwritten batch, whose objects a resumed scan simply reads again. `on_written` runs after
each commit, so progress and `object_done` events only ever report stored objects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from phiscope.model import ObjectResult


class BatchWriter:
    def __init__(
        self,
        store: Any,
        *,
        max_objects: int = 256,
        max_work_seconds: float = 2.0,
        max_wait_seconds: float = 1.0,
        on_written: Callable[[list[ObjectResult]], None] | None = None,
    ) -> None:
        self.store = store
        self.on_written = on_written
        self.max_objects = max_objects
        self.max_work_seconds = max_work_seconds
        self.max_wait_seconds = max_wait_seconds
        self._buf: list[ObjectResult] = []
        self._scan_id: str | None = None
        self._work = 0.0
        self._since = 0.0
        self._lock = threading.Lock()
        self.batches = 0

    def add(self, scan_id: str, r: ObjectResult) -> None:
        with self._lock:
            if self._scan_id not in (None, scan_id):
                self._flush_locked()
            if not self._buf:
                self._since = time.monotonic()
            self._scan_id = scan_id
            self._buf.append(r)
            self._work += r.seconds
            if (
                len(self._buf) >= self.max_objects
                or self._work >= self.max_work_seconds
                or time.monotonic() - self._since >= self.max_wait_seconds
            ):
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        buf, self._buf, self._work = self._buf, [], 0.0
        if buf and self._scan_id is not None:
            self.store.record_objects(self._scan_id, buf)
            self.batches += 1
            if self.on_written is not None:
                self.on_written(buf)
