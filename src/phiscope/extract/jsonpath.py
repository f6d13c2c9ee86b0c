"""JSON path helpers shared by the JSON walker (jsondoc.py) and the FHIR walker (fhir.py), below both."""

from __future__ import annotations

import json
import re
from typing import Any

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def path_key(parent: str, key: str) -> str:
    return f"{parent}.{key}" if _IDENT.fullmatch(key) else f"{parent}[{json.dumps(key)}]"


def scalar_text(v: Any) -> str | None:
    """Text of a JSON scalar worth scanning (booleans and nulls hold no identifiers)."""
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return repr(v) if isinstance(v, float) else str(v)
    return None


__all__ = ["path_key", "scalar_text"]
