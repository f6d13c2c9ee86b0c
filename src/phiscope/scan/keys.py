"""Object keys are content too (`patients/Ada Quinnell 123-45-6789.csv`).

What detection finds in a key is counted with the object's findings, and the key is stored and shown
masked, with a keyed fingerprint so that two masked keys never collide and the same key always gets
the same mask (--resume). Done in the worker beside the object's own detection (one engine call per
object that the scan's single parent process no longer makes), and by the parent for objects that
never reached a worker (skipped, failed reads).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

from phiscope.extract.locs import NOWHERE
from phiscope.model import ObjectResult, Segment
from phiscope.textsafe import mask_label, name_as_text


def key_fingerprint(secret: bytes, key: str) -> str:
    """Keyed HMAC-SHA256 of an object key (hex)."""
    return hmac.new(
        secret, b"object-key\0" + key.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).hexdigest()


def masked_key(secret: bytes, key: str) -> str:
    """A key holding personal data as stored: masked like an excerpt, plus 10 hex of its keyed
    fingerprint so two masked keys never collide."""
    return f"{mask_label(key)}~{key_fingerprint(secret, key)[:10]}"


def key_findings(engine: Any, key: str) -> Any:
    """What detection finds in an object key read as text."""
    return engine.scan(iter([Segment(name_as_text(key), NOWHERE, "object key")]))


def mask_key(engine: Any, secret: bytes, r: ObjectResult) -> ObjectResult:
    """The result with its key checked: unchanged when the key holds nothing, else the key masked
    (`A** Q******* ###-##-####.csv~<fingerprint>`) and what it holds added to the findings."""
    if r.key_checked:
        return r
    found = key_findings(engine, r.ref.key)
    if not found.detections:
        return replace(r, key_checked=True)
    found.people = []  # a key alone does not make a person record
    r.findings.merge(found)
    return replace(r, ref=replace(r.ref, key=masked_key(secret, r.ref.key)), key_checked=True)
