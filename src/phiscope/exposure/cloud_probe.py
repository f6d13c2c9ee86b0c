"""The steps the Azure and GCS anonymous probes share: the same result shape as the S3 probe, built
from each provider's own calls (`call` wraps one SDK call into (value, {"outcome", "code", ...})).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

Call = Callable[[Callable[[], Any]], tuple[Any, dict[str, Any]]]
MARKER_BODY = b"PHIscope exposure probe marker; safe to delete.\n"


def failed(out: dict[str, Any], code: str, outcome: str) -> dict[str, Any]:
    """The probe's answer when no anonymous client could even be built."""
    out.update(audiences={"anonymous": {"error": {"outcome": outcome, "code": code}}})
    out.update(public=None, exists=None, summary=f"probe failed ({code})")
    return out


def list_step(blobs: list[Any] | None, info: dict[str, Any], key: str | None) -> str | None:
    """Record what the first listing page showed; the key to read next (given, else the first
    non-empty object listed, else None)."""
    if blobs is not None:
        info["keys_seen"] = len(blobs)
        if blobs:
            info["example_key"] = blobs[0].name
        if key is None:
            key = next((b.name for b in blobs if b.size), None)
    return key


def read_step(call: Call, key: str | None, read_first_byte: Callable[[str], Any]) -> dict[str, Any]:
    if key is None:
        return {"outcome": "skipped", "why": "no key known: listing gave none and no --key was given"}
    data, info = call(lambda: read_first_byte(key))
    info["key"] = key
    if data is not None:
        info["bytes_read"] = len(data)
    return info


def write_step(
    call: Call, test_write: bool, upload: Callable[[str, bytes], Any], delete: Callable[[str], Any], noun: str
) -> dict[str, Any]:
    """Opt-in: write a marker object anonymously, then delete it (or say it must be removed)."""
    if not test_write:
        return {"outcome": "skipped", "why": "not requested (--test-write)"}
    marker = f"phiscope-probe-{uuid.uuid4().hex}.txt"
    ok, info = call(lambda: upload(marker, MARKER_BODY))
    info["key"] = marker
    if ok is not None:
        _, dinfo = call(lambda: delete(marker))
        info["deleted"] = dinfo["outcome"] == "allowed"
        if not info["deleted"]:
            info["warning"] = f"marker {noun} {marker!r} could not be deleted: remove it as the owner"
    return info


def conclude(out: dict[str, Any], res: dict[str, Any], exists_on: tuple[str, ...]) -> dict[str, Any]:
    """Public when any anonymous step was allowed; exists when an outcome in `exists_on` was seen,
    not when the bucket is reported missing, unknown otherwise."""
    from phiscope.exposure.probe import _summary

    out["audiences"] = {"anonymous": res}
    outcomes = [r.get("outcome") for r in res.values()]
    out["public"] = "allowed" in outcomes
    out["exists"] = (
        True if any(o in exists_on for o in outcomes) else False if "NoSuchBucket" in outcomes else None
    )
    out["summary"] = _summary(out)
    return out
