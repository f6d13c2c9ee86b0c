"""What the scan's modules hand each other (pipeline, batch, executors, org): the target of a scan,
and what a failed read or a spool file comes to. Kept below them all so none imports the pipeline."""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any

from phiscope.model import pickled_by_fields


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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class StoreSpec:
    """How a remote worker reaches a target's objects itself (no credentials inside)."""

    kind: str  # "local" | "s3"
    root: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    anonymous: bool = False
    path_style: bool | None = None


def store_spec(target: Any, cfg: Any) -> StoreSpec:
    from phiscope.storage.local import LocalStore

    store = target.store
    if isinstance(store, LocalStore):
        return StoreSpec("local", root=str(store.root))
    if getattr(target, "account", None):
        raise ValueError("--executor ray does not run Organization scans (credentials stay local)")
    return StoreSpec(
        "s3",
        endpoint_url=cfg.endpoint_url,
        profile=cfg.profile,
        region=cfg.region,
        anonymous=bool(getattr(store, "anonymous", False)),
        path_style=cfg.path_style,
    )


_STORES: dict[StoreSpec, Any] = {}
_STORES_LOCK = threading.Lock()


def store_for(spec: StoreSpec) -> Any:
    """The store a worker process builds from a spec, once per process (its fetch threads ask at
    the same moment: one builds the client, which costs ~0.3 s of CPU, the others wait for it)."""
    cached = _STORES.get(spec)
    if cached is not None:
        return cached
    with _STORES_LOCK:
        return _build_store(spec)


def _build_store(spec: StoreSpec) -> Any:
    cached = _STORES.get(spec)
    if cached is None:
        from pathlib import Path

        from phiscope.storage.local import LocalStore
        from phiscope.storage.s3 import S3Store

        if spec.kind == "local":
            cached = LocalStore(Path(str(spec.root)))
        else:
            cached = S3Store(
                endpoint_url=spec.endpoint_url,
                profile=spec.profile,
                region=spec.region,
                anonymous=spec.anonymous,
                path_style=spec.path_style,
            )
        _STORES[spec] = cached
    return cached
