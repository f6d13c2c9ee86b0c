"""France: NIR (numéro de sécurité sociale) and INS (identité nationale de santé, NIR-based)."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.mask import mask_keep_last

NIR_CONTEXT = (
    "nir",
    "sécurité sociale",
    "securite sociale",
    "sécu",
    "secu",
    "numéro de sécurité sociale",
    "n° ss",
    "no ss",
    "carte vitale",
    "vitale",
    "assuré",
    "assure",
    "insee",
)
INS_CONTEXT = (
    "ins",
    "matricule ins",
    "identité nationale de santé",
    "identite nationale de sante",
    "ins-nir",
)
_NIR_RE = re.compile(r"[1-478]\d{4}(?:\d\d|2[AB])\d{6}\d\d")


def nir_key(body13: str) -> int:
    """97 - (n mod 97), Corsica's 2A/2B read as 19/18 (the INSEE rule)."""
    b = body13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(b) % 97


def is_valid_nir(raw: str) -> bool:
    """15 characters: sex (1/2, 3/4 foreign-born provisional, 7/8 NIA), year, month, département,
    commune, order, and the mod-97 key."""
    v = alnum_upper(raw)
    if len(v) != 15 or _NIR_RE.fullmatch(v) is None:
        return False
    month = int(v[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    return nir_key(v[:13]) == int(v[13:])


def normalise_nir(raw: str) -> str:
    return alnum_upper(raw)


NIR = Kind("FR_NIR", "identity", normalise_nir, lambda r: mask_keep_last(r, 2), True, NIR_CONTEXT)
INS = Kind("FR_INS", "identity", normalise_nir, lambda r: mask_keep_last(r, 2), True, INS_CONTEXT)
