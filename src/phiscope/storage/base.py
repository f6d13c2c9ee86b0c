"""What every store offers the scan: buckets, object listings and object bytes.

Reading is bounded: `fetch` stops after `max_bytes` and says so, so one huge object never fills the
disk or memory, and the scan can report it as partial.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from phiscope.model import ObjectRef

# Storage classes whose objects must be restored before a GET works: reported, never restored.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})

SPOOL_IN_MEMORY = 8 * 1024**2  # objects up to this size stay in memory, larger ones go to a temp file


@dataclass(slots=True)
class Fetched:
    """An object's bytes (or its first `max_bytes`), on a seekable spool."""

    stream: IO[bytes]
    bytes_read: int
    truncated: bool

    def close(self) -> None:
        self.stream.close()


class Store(Protocol):
    """A place where objects live: an S3-compatible endpoint or a local folder."""

    endpoint: str | None

    def list_buckets(self) -> list[str]: ...

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]: ...

    def fetch(self, ref: ObjectRef, max_bytes: int) -> Fetched: ...


def new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="phiscope-")
