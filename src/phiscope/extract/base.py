"""The one interface every extractor implements, and the budget it runs under.

An extractor turns one object's bytes into `Segment`s and `TableChunk`s that carry their location.
It never knows what an SSN is. It reports trouble through its `ExtractContext` (partial) or by
raising `SkipObject` (nothing usable), never with a stack trace to the user.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from phiscope.extract.locs import NOWHERE
from phiscope.model import Location, Segment, TableChunk

Item = Segment | TableChunk


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-object budgets. Defaults suit a laptop scanning a bucket; all are settings."""

    max_object_bytes: int = 2 * 1024**3  # larger objects are skipped (or read partially, see below)
    max_read_bytes: int = 256 * 1024**2  # stop reading one object after this many bytes -> partial
    max_seconds: float = 120.0  # per-object time budget -> partial/timeout
    max_line_bytes: int = 1024**2  # a longer line/field is truncated -> partial
    max_archive_depth: int = 10
    max_archive_members: int = 100_000
    max_archive_total_bytes: int = 4 * 1024**3  # total uncompressed bytes across one archive tree
    max_compression_ratio: float = 200.0  # per member; above it the member is a bomb -> partial
    max_pages: int = 2_000
    table_chunk_rows: int = 5_000  # rows per TableChunk
    ocr: bool = True  # hand image-only pages/images to OCR when available
    audio: bool = True  # transcribe audio when an engine is available
    audio_max_seconds: float | None = None  # only the first N seconds of each recording


class SkipObject(Exception):
    """Raised by an extractor when nothing of the object can be read (reason goes in the status).

    The message must never contain content from the object.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class ExtractContext:
    """What an extractor needs besides the bytes: name, base location, limits, and a status sink."""

    name: str  # the object key (or archive member name) — used for hints, never trusted for type
    limits: Limits = field(default_factory=Limits)
    base: Location = NOWHERE  # e.g. the archive member path
    depth: int = 0  # archive nesting depth
    deadline: float | None = None  # time.monotonic() value after which to stop
    partial_reasons: list[str] = field(default_factory=list)
    content_type: str | None = None  # set by the dispatcher after sniffing
    # State shared by every level of one object (e.g. the archive budget of a nested archive tree).
    shared: dict[str, Any] = field(default_factory=dict)
    # Heavy optional engines register here so extractors can hand work on (PDF page -> OCR).
    ocr_image: Callable[[bytes, ExtractContext, Location], Iterator[Item]] | None = None

    def mark_partial(self, reason: str) -> None:
        if reason not in self.partial_reasons:
            self.partial_reasons.append(reason)

    def start_clock(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.limits.max_seconds

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def child(self, name: str, base: Location) -> ExtractContext:
        """Context for an archive member: same limits, deadline and status sink, one level deeper."""
        return ExtractContext(
            name=name,
            limits=self.limits,
            base=base,
            depth=self.depth + 1,
            deadline=self.deadline,
            partial_reasons=self.partial_reasons,
            shared=self.shared,
            ocr_image=self.ocr_image,
        )


class Extractor(Protocol):
    """bytes (a seekable binary stream) + context -> segments and table chunks, streamed."""

    def __call__(self, stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]: ...


# ctx.shared key of the dispatcher's entry point: archives hand members back through it
RECURSE = "extract_object"


def stream_size(stream: BinaryIO) -> int:
    pos = stream.tell()
    try:
        return stream.seek(0, os.SEEK_END)
    finally:
        stream.seek(pos)
