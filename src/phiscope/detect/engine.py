"""Run every identifier detector over an object's segments and table chunks.

(Foundation stub: dashed SSNs only. The detection issue replaces it, keeping `DetectionEngine.scan`.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from phiscope.extract.base import Item
from phiscope.model import ContentFindings, Detection, DetectionSummary, Segment

_SSN = re.compile(r"\b(?!000|666|9\d\d)(\d{3})-(?!00)(\d{2})-(?!0000)(\d{4})\b")


class DetectionEngine:
    """One per scan (or per worker process): holds compiled patterns and the fingerprint key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def fingerprint(self, kind: str, normalised: str) -> str:
        return hmac.new(self._secret, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:32]

    def scan(self, items: Iterable[Item]) -> ContentFindings:
        out = ContentFindings()
        for item in items:
            texts = (
                [(item.text, item.location)]
                if isinstance(item, Segment)
                else [
                    ("\t".join(r), item.location.with_(row=item.first_row + i))
                    for i, r in enumerate(item.rows)
                ]
            )
            for text, loc in texts:
                for m in _SSN.finditer(text):
                    fp = self.fingerprint("US_SSN", "".join(m.groups()))
                    s = out.detections.setdefault("US_SSN", DetectionSummary("US_SSN", "identity"))
                    s.add(Detection("US_SSN", 0.9, loc, "***-**-" + m.group(3), fp))
                    out.people.append(frozenset({f"US_SSN:{fp}"}))
        return out
