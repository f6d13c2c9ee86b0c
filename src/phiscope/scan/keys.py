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


def mask_key(engine: Any, secret: bytes, r: ObjectResult) -> ObjectResult:
    """The result with its key checked: unchanged when the key holds nothing, else the key masked
    (`A** Q******* ###-##-####.csv~<fingerprint>`) and what it holds added to the findings."""
    if r.key_checked:
        return r
    found = engine.scan(iter([Segment(name_as_text(r.ref.key), NOWHERE, "object key")]))
    if not found.detections:
        return replace(r, key_checked=True)
    found.people = []  # a key alone does not make a person record
    r.findings.merge(found)
    masked = f"{mask_label(r.ref.key)}~{key_fingerprint(secret, r.ref.key)[:10]}"
    return replace(r, ref=replace(r.ref, key=masked), key_checked=True)
