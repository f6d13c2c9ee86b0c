"""What the scan's modules hand each other (pipeline, batch, executors, org): the target of a scan,
and what a failed read or a spool file comes to. Kept below them all so none imports the pipeline."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Target:
    store: Any
    bucket: str
    prefix: str = ""
    only_key: str | None = None  # a single file given as the target
    account: str | None = None  # Organization scan: the bucket's account, its name, its s3control client
    account_name: str | None = None
    s3control: Any = None


def _fetch_reason(e: Exception) -> str:
    """A short, content-free reason for a failed read (error code, never a message body)."""
    code = None
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        code = resp.get("Error", {}).get("Code")
    return f"read failed: {code or type(e).__name__}"


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
