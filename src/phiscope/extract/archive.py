"""Archives (zip, tar, 7z) and compressed streams (gzip, bzip2, xz): recurse with limits.

Each member is spooled (memory, then disk) under caps and handed back to the dispatcher, so a zip
inside a tar.gz is read like any other object, with its path joined by "!/". The limits stop bombs:
nesting depth, member count and total uncompressed bytes across the whole tree, and a per-member
compression ratio checked both from headers and while actually decompressing (headers can lie).
Compression layers (gzip/bzip2/xz) are transparent: `a.csv.gz` reports rows of `a.csv` without a
member level.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import tarfile
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, cast

from phiscope.extract import sniff
from phiscope.extract.base import RECURSE, ExtractContext, Item, SkipObject, stream_size
from phiscope.extract.locs import member_path
from phiscope.model import Location

CHUNK = 1 << 20
SPOOL_IN_MEMORY = 4 * 1024**2
BOMB_FLOOR = 4 * 1024**2  # below this many output bytes, a high ratio is harmless (runs of zeros)


@dataclass(slots=True)
class Budget:
    """Counters shared by every level of one archive tree."""

    members: int = 0
    total: int = 0
    stopped: str | None = None  # why the tree walk stopped early
    skipped: Counter[str] = field(default_factory=Counter)
    encrypted: int = 0


class _Spooled:
    """Result of copying one member out: the file (rewound) and what stopped the copy early."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by the caller / finally)
        self.size = 0
        self.problem: str | None = None


def spool(src: IO[bytes], ctx: ExtractContext, budget: Budget, compressed: int | None) -> _Spooled:
    """Copy a decompressing reader under the read cap, the tree's byte budget and the ratio cap."""
    out = _Spooled()
    limits = ctx.limits
    cap = limits.max_read_bytes
    ratio = limits.max_compression_ratio
    try:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                break
            out.size += len(chunk)
            budget.total += len(chunk)
            out.file.write(chunk)
            if compressed and out.size > BOMB_FLOOR and out.size > ratio * compressed:
                out.problem = "bomb"
                break
            if budget.total > limits.max_archive_total_bytes:
                budget.stopped = f"limit hit: archive total exceeds {limits.max_archive_total_bytes} bytes"
                out.problem = "total"
                break
            if out.size >= cap:
                out.problem = "cap" if src.read(1) else None
                break
            if ctx.out_of_time():
                out.problem = "timeout"
                break
    except (EOFError, zlib.error, lzma.LZMAError, OSError, zipfile.BadZipFile, tarfile.TarError, ValueError):
        out.problem = "corrupt"
    except RuntimeError:  # zipfile: encrypted member without password
        out.problem = "encrypted"
    out.file.seek(0)
    return out


def _dispatch(
    member: BinaryIO, name: str, base: Location, ctx: ExtractContext, budget: Budget
) -> Iterator[Item]:
    """Hand one member back to the dispatcher; a member's failure is counted, never raised."""
    extract_object = ctx.shared[RECURSE]  # dispatch.extract_object, set by the dispatcher
    child = ctx.child(name, base)
    produced = 0
    try:
        for item in extract_object(member, child):
            produced += 1
            yield item
    except SkipObject as e:
        if produced:
            ctx.mark_partial(e.reason)
        else:
            budget.skipped[_short(e.reason)] += 1
    except MemoryError:
        ctx.mark_partial("out of memory reading an archive member")
    except Exception as e:  # a format library's bug on one member must not end the archive
        ctx.mark_partial(f"reader error in archive member ({type(e).__name__})")


def _short(reason: str) -> str:
    """Group member skip reasons by kind: 'unsupported type: x/y' stays, numbers go."""
    return reason.split(" (", 1)[0] if reason.startswith("too large") else reason


def _member(
    src_open: Any, name: str, ctx: ExtractContext, budget: Budget, compressed: int | None
) -> Iterator[Item]:
    budget.members += 1
    if budget.members > ctx.limits.max_archive_members:
        budget.stopped = f"limit hit: more than {ctx.limits.max_archive_members} archive members"
        return
    try:
        src = src_open()
    except RuntimeError:
        budget.encrypted += 1
        return
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, tarfile.TarError, ValueError):
        budget.skipped["corrupt: unreadable archive member"] += 1
        return
    try:
        sp = spool(src, ctx, budget, compressed)
    finally:
        src.close()
    try:
        if sp.problem == "bomb":
            budget.skipped["compression ratio too high (zip bomb?)"] += 1
            return
        if sp.problem == "encrypted":
            budget.encrypted += 1
            return
        if sp.problem == "corrupt" and sp.size == 0:
            budget.skipped["corrupt: unreadable archive member"] += 1
            return
        if sp.problem == "corrupt":
            ctx.mark_partial("corrupt: archive member truncated")
        elif sp.problem == "cap":
            ctx.mark_partial(f"limit hit: archive member larger than {ctx.limits.max_read_bytes} bytes")
        elif sp.problem == "timeout":
            ctx.mark_partial("timeout: time budget exceeded")
        base = ctx.base.with_(member=member_path(ctx.base, name))
        yield from _dispatch(sp.file, name, base, ctx, budget)  # type: ignore[arg-type]
    finally:
        sp.file.close()


def _zip(stream: BinaryIO, ctx: ExtractContext, budget: Budget) -> Iterator[Item]:
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise SkipObject("corrupt: unreadable zip archive") from None
    with zf:
        ratio = ctx.limits.max_compression_ratio
        for info in zf.infolist():
            if budget.stopped or ctx.out_of_time():
                break
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                budget.encrypted += 1
                continue
            if (
                info.compress_size
                and info.file_size > BOMB_FLOOR
                and info.file_size / info.compress_size > ratio
            ):
                budget.members += 1
                budget.skipped["compression ratio too high (zip bomb?)"] += 1
                continue
            yield from _member(
                lambda i=info: zf.open(i), info.filename, ctx, budget, info.compress_size or None
            )


def _tar(stream: BinaryIO, ctx: ExtractContext, budget: Budget) -> Iterator[Item]:
    try:
        tf = tarfile.open(fileobj=stream, mode="r:")  # noqa: SIM115 (closed by the caller / finally)
    except (tarfile.TarError, OSError, EOFError, ValueError):
        raise SkipObject("corrupt: unreadable tar archive") from None
    with tf:
        try:
            for m in tf:
                if budget.stopped or ctx.out_of_time():
                    break
                if not m.isfile():
                    continue
                yield from _member(lambda m=m: _tar_open(tf, m), m.name, ctx, budget, None)
        except (tarfile.TarError, OSError, EOFError, ValueError):
            ctx.mark_partial("corrupt: tar archive truncated")


def _tar_open(tf: tarfile.TarFile, m: tarfile.TarInfo) -> IO[bytes]:
    f = tf.extractfile(m)
    if f is None:
        raise ValueError("not a regular file")
    return f


def _compressed(stream: BinaryIO, ctx: ExtractContext, budget: Budget, size: int) -> Iterator[Item]:
    """gzip/bzip2/xz: one stream; decompress under caps and dispatch as the same object."""
    src: IO[bytes]
    if ctx.content_type == sniff.GZIP:
        src = cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb"))  # not the spool's w+b
    elif ctx.content_type == sniff.BZIP2:
        src = bz2.BZ2File(stream)
    else:
        src = lzma.LZMAFile(stream)  # noqa: SIM115 (closed by the caller / finally)
    budget.members += 1
    sp = spool(src, ctx, budget, size)
    try:
        if sp.problem == "bomb":
            ctx.mark_partial(
                f"compression ratio above {ctx.limits.max_compression_ratio:g} (bomb?): "
                f"first {sp.size} decompressed bytes read"
            )
        elif sp.problem == "corrupt":
            if sp.size == 0:
                raise SkipObject("corrupt: unreadable compressed stream")
            ctx.mark_partial("corrupt: compressed stream truncated")
        elif sp.problem == "cap":
            ctx.mark_partial(f"limit hit: first {ctx.limits.max_read_bytes} decompressed bytes read")
        elif sp.problem == "timeout":
            ctx.mark_partial("timeout: time budget exceeded")
        name = os.path.splitext(ctx.name)[0] or ctx.name
        yield from _dispatch(sp.file, name, ctx.base, ctx, budget)  # type: ignore[arg-type]
    finally:
        sp.file.close()


def _bomb(ctx: ExtractContext) -> SkipObject:
    return SkipObject(f"compression ratio above {ctx.limits.max_compression_ratio:g} (bomb?)")


class _SevenZipSink:
    """py7zr writer: appends every member to one temp file, so memory stays flat however many there are."""

    def __init__(self, store: IO[bytes], name: str, cap: int) -> None:
        self.store = store
        self.name = name
        self.start = store.seek(0, os.SEEK_END)
        self.length = 0
        self.cap = cap
        self.clipped = False

    def write(self, s: bytes | bytearray) -> int:
        room = self.cap - self.length
        if room <= 0:
            self.clipped = True
            return len(s)
        data = bytes(s[:room])
        self.store.seek(self.start + self.length)
        self.store.write(data)
        self.length += len(data)
        if len(s) > room:
            self.clipped = True
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self.length

    def close(self) -> None:
        return None


def _seven_zip(stream: BinaryIO, ctx: ExtractContext, budget: Budget) -> Iterator[Item]:
    import py7zr
    from py7zr.io import WriterFactory

    limits = ctx.limits
    room = max(0, limits.max_archive_total_bytes - budget.total)
    try:
        archive = py7zr.SevenZipFile(stream, mode="r", max_extract_size=room or 1)
    except py7zr.exceptions.PasswordRequired:
        raise SkipObject("encrypted: 7z archive headers are encrypted") from None
    except Exception:
        raise SkipObject("corrupt: unreadable 7z archive") from None
    store = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller / finally)
    sinks: list[_SevenZipSink] = []

    class Factory(WriterFactory):
        def create(self, filename: str) -> Any:
            sink = _SevenZipSink(store, filename, limits.max_read_bytes)
            sinks.append(sink)
            return sink

    try:
        with archive:
            if archive.needs_password():
                raise SkipObject("encrypted: 7z archive is password-protected")
            infos = [i for i in archive.list() if not i.is_directory]
            declared = sum(int(i.uncompressed or 0) for i in infos)
            packed = max(1, stream.seek(0, os.SEEK_END))
            if declared > BOMB_FLOOR and declared / packed > limits.max_compression_ratio:
                raise _bomb(ctx)
            try:
                archive.extract(factory=Factory())
            except SkipObject:
                raise
            except Exception:
                ctx.mark_partial("corrupt: 7z archive partly unreadable")
        for sink in sinks:
            if budget.stopped or ctx.out_of_time():
                break
            budget.members += 1
            budget.total += sink.length
            if budget.members > limits.max_archive_members:
                budget.stopped = f"limit hit: more than {limits.max_archive_members} archive members"
                break
            if sink.clipped:
                ctx.mark_partial(f"limit hit: archive member larger than {limits.max_read_bytes} bytes")
            member = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by the caller / finally)
            store.seek(sink.start)
            _copy(store, member, sink.length)
            member.seek(0)
            with member:
                base = ctx.base.with_(member=member_path(ctx.base, sink.name))
                yield from _dispatch(member, sink.name, base, ctx, budget)  # type: ignore[arg-type]
    finally:
        store.close()


def _copy(src: IO[bytes], dst: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = src.read(min(CHUNK, n))
        if not chunk:
            break
        dst.write(chunk)
        n -= len(chunk)


def extract_archive(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    limits = ctx.limits
    if ctx.depth >= limits.max_archive_depth:
        ctx.mark_partial(f"limit hit: archives nested deeper than {limits.max_archive_depth}")
        return
    owner = "archive_budget" not in ctx.shared  # the top-level archive reports for the whole tree
    budget: Budget = ctx.shared.setdefault("archive_budget", Budget())
    kind = ctx.content_type
    try:
        if kind == sniff.ZIP:
            yield from _zip(stream, ctx, budget)
        elif kind == sniff.TAR:
            yield from _tar(stream, ctx, budget)
        elif kind == sniff.SEVEN_Z:
            yield from _seven_zip(stream, ctx, budget)
        else:
            yield from _compressed(stream, ctx, budget, stream_size(stream))
        if owner:
            _report(budget, ctx)
    finally:
        if owner:
            ctx.shared.pop("archive_budget", None)


def _report(budget: Budget, ctx: ExtractContext) -> None:
    if budget.stopped:
        ctx.mark_partial(budget.stopped)
    for reason, n in sorted(budget.skipped.items()):
        ctx.mark_partial(f"{n} archive member(s) skipped: {reason}")
    if budget.encrypted:
        if budget.members == 0 and not budget.skipped:
            raise SkipObject(f"encrypted: all {budget.encrypted} archive member(s) are encrypted")
        ctx.mark_partial(f"encrypted: {budget.encrypted} archive member(s) not read")
