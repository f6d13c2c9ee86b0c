"""What medical record numbers, driver's licences and passports share: no checksum, no fixed shape;
found after their keyword (the keyword pass over records.ANCHORED_RE) or under a header naming them."""

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


def record_identifier(kind: Kind, headers: str, priority: int, standard_id: bool = False) -> Identifier:
    """A record-style identifier: found after its keyword (engine) or under a header naming it."""
    return Identifier(
        kind,
        value_check=v_record(kind),
        headers=headers,
        header_priority=priority,
        standard_id=standard_id,
        fast_column=fast(kind, MID, vector.record_column),
    )
