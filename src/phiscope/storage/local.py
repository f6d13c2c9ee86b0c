"""A local folder as a set of buckets: each top-level folder is a bucket, files below are keys.

Lets a team scan an export or a mounted share with the same pipeline, and lets tests and benchmarks
run without a server.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from phiscope.model import ObjectRef
from phiscope.storage.base import Fetched, new_spool


class LocalStore:
    endpoint: str | None = None

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.endpoint = f"file://{self.root}"
        self._native: dict[tuple[str, str], Path] = {}  # escaped key -> the real (non-UTF-8) path

    def list_buckets(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
        """Every file below the bucket folder. Nothing is skipped without a trace: symbolic links,
        special files and unreadable folders are listed too, and `not_regular` gives the status
        reason the scan records for them instead of opening them."""
        base = self.root / bucket
        unreadable: list[Path] = []

        def on_error(e: OSError) -> None:
            if e.filename and Path(e.filename) != base:
                unreadable.append(Path(e.filename))

        def folders() -> Iterator[ObjectRef]:
            while unreadable:  # reported by os.walk when it tries to enter them
                ref = self._ref(base, bucket, unreadable.pop(0), prefix, folder=True)
                if ref is not None:
                    yield ref

        for dirpath, dirnames, filenames in os.walk(base, onerror=on_error):
            yield from folders()
            dirnames.sort()
            links = [d for d in dirnames if (Path(dirpath) / d).is_symlink()]
            for name in sorted([*filenames, *links]):
                ref = self._ref(base, bucket, Path(dirpath) / name, prefix)
                if ref is not None:
                    yield ref
        yield from folders()

    def _ref(
        self, base: Path, bucket: str, path: Path, prefix: str, folder: bool = False
    ) -> ObjectRef | None:
        rel = path.relative_to(base).as_posix() + ("/" if folder else "")
        key = display_key(rel)
        if not key.startswith(prefix):
            return None
        if key != rel:
            self._native[(bucket, key)] = path
        try:
            st = path.lstat()
        except OSError:
            return None  # gone since it was listed
        return ObjectRef(
            bucket=bucket,
            key=key,
            size=st.st_size if stat.S_ISREG(st.st_mode) else 0,
            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
        )

    def not_regular(self, ref: ObjectRef) -> str | None:
        """Why this key is not read (checked with lstat, before any open), or None for a file."""
        return why_not_regular(self.raw_path(ref))

    def raw_path(self, ref: ObjectRef) -> str:
        """Where the key's file is, as listed (not resolved: `open_listed` checks it)."""
        native = self._native.get((ref.bucket, ref.key))
        return str(native) if native is not None else os.path.join(self.root_str, ref.bucket, ref.key)

    @property
    def root_str(self) -> str:
        return str(self.root)

    def path_of(self, ref: ObjectRef) -> Path:
        native = self._native.get((ref.bucket, ref.key))
        path = (native or (self.root / ref.bucket / ref.key)).resolve()
        if self.root not in path.parents:
            raise ValueError("key escapes the store root")
        return path

    def fetch(self, ref: ObjectRef, max_bytes: int) -> Fetched:
        spool = new_spool()
        with self.path_of(ref).open("rb") as f:
            n = _copy_limited(f, spool, max_bytes)
        spool.seek(0)
        return Fetched(spool, n, truncated=ref.size > n)


def _copy_limited(src: object, dst: object, limit: int) -> int:
    n = 0
    while n < limit:
        chunk = src.read(min(1024 * 1024, limit - n))  # type: ignore[attr-defined]
        if not chunk:
            break
        dst.write(chunk)  # type: ignore[attr-defined]
        n += len(chunk)
    return n


def display_key(name: str) -> str:
    """A file name that is not valid UTF-8 (carried by Python as lone surrogates) shown with its
    bytes escaped (`bad\\xff.csv`): storable, printable, and stable across runs for --resume."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def why_not_regular(path: str) -> str | None:
    """Why a listed path is not read (from lstat, before any open: a FIFO or a device is never
    opened, a link never followed), or None for a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as e:
        return f"cannot stat ({type(e).__name__})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "symbolic link: not followed" if os.path.exists(path) else "dangling or looping symbolic link"
    if stat.S_ISDIR(mode):
        return "unreadable folder: its files could not be listed"
    return f"special file ({special_kind(mode)}): not opened"


class NotRead(Exception):
    """A listed local file that is not read, and why (a status reason, no content)."""


def open_listed(path: str, root: str) -> BinaryIO:
    """Open a listed file of a local store for reading, or raise NotRead.

    In the worker, so that a bucket of tiny files does not cost the scan's one parent process these
    system calls per object: lstat first (`why_not_regular`), then an open that neither follows a
    link nor blocks, the descriptor checked again (a file swapped after the lstat), and the file it
    really is (/proc/self/fd, else realpath) must lie inside the store's root (a folder swapped for a
    link after listing)."""
    why = why_not_regular(path)
    if why is not None:
        raise NotRead(why)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotRead("symbolic link: not followed") from None
        raise NotRead(f"cannot open ({type(e).__name__})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRead(f"special file ({special_kind(mode)}): not opened")
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            real = os.path.realpath(path)
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            raise NotRead("outside the scanned folder: not read")
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb")


def special_kind(mode: int) -> str:
    for test, what in (
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISDIR, "folder"),
    ):
        if test(mode):
            return what
    return "not a regular file"
