"""Medical record numbers, driver's licences, passports: no checksum, no fixed shape; found after
their keyword (engine's keyword pass over records.ANCHORED_RE) or under a header that names them."""

from __future__ import annotations

import re
from collections.abc import Callable

from phiscope.detect import vector
from phiscope.detect.identifiers import records
from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.identifiers.unit import MID, Identifier, Valid, fast

_RECORD_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,18}[A-Za-z0-9]")


def v_record(kind: Kind) -> Callable[[str], Valid | None]:
    def f(raw: str) -> Valid | None:
        s = raw.strip()
        if _RECORD_ID_RE.fullmatch(s) is None or not records.is_valid_record_id(s):
            return None
        return kind, alnum_upper(s), MID

    return f


def _record(kind: Kind, headers: str, priority: int, standard_id: bool = False) -> Identifier:
    return Identifier(
        kind,
        value_check=v_record(kind),
        headers=headers,
        header_priority=priority,
        standard_id=standard_id,
        fast_column=fast(kind, MID, vector.record_column),
    )


IDENTIFIERS = (
    _record(
        records.MRN,
        r"mrn|medical record(?: (?:number|no|#))?|patient ?id|patient (?:number|no)|"
        r"chart(?: (?:number|no|#))?|record (?:number|no)|member ?id|subscriber ?id|pid 3|ipp",
        150,
    ),
    _record(
        records.DRIVER_LICENSE,
        r"driver'?s? licen[cs]e(?: (?:number|no|#))?|driving licen[cs]e|dl(?: (?:number|no|#))?|drivers|"
        r"licen[cs]e (?:number|no)|permis(?: de conduire)?",
        160,
        True,
    ),
    _record(records.PASSPORT, r"passport(?: (?:number|no|#))?|passeport", 170, True),
)
