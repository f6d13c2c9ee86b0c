"""A local folder as a set of buckets: each top-level folder is a bucket, files below are keys.

Lets a team scan an export or a mounted share with the same pipeline, and lets tests and benchmarks
run without a server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from phiscope.model import ObjectRef
from phiscope.storage.base import Fetched, new_spool


class LocalStore:
    endpoint: str | None = None

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.endpoint = f"file://{self.root}"

    def list_buckets(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
        base = self.root / bucket
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                key = path.relative_to(base).as_posix()
                if not key.startswith(prefix) or path.is_symlink():
                    continue
                st = path.stat()
                yield ObjectRef(
                    bucket=bucket,
                    key=key,
                    size=st.st_size,
                    last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
                )

    def path_of(self, ref: ObjectRef) -> Path:
        path = (self.root / ref.bucket / ref.key).resolve()
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
