"""Identifiers with no checksum and no fixed shape: medical record numbers, driver's licences and
passports. Found only right after their keyword (or in a column/field named for them)."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.mask import mask_keep_last

MRN_CONTEXT = (
    "mrn",
    "medical record",
    "medical record number",
    "patient id",
    "chart number",
    "record number",
)
DL_CONTEXT = ("driver's license", "drivers license", "driver license", "driving licence", "dl", "permis")
PASSPORT_CONTEXT = ("passport", "passeport", "passport number", "passport no")

_SEP = r"[ \t]*(?:(?:number|num|no|nº|n°|#|id)\.?[ \t]*)?[:#=\-]?[ \t]*"
# keyword, optional "number/no/#", separator, then a token with at least 4 digits.
ANCHORED_RE = re.compile(
    r"(?i:\b(?:(?P<kw_mrn>mrn|medical[ \t]+record(?:[ \t]+(?:number|no\.?|#))?|patient[ \t]+id|chart[ \t]+(?:number|no\.?|#))"  # noqa: E501
    r"|(?P<kw_dl>driver'?s?[ \t]+licen[cs]e|driving[ \t]+licen[cs]e|dl|permis[ \t]+de[ \t]+conduire)"
    r"|(?P<kw_pp>passport|passeport)))"
    + _SEP
    + r"(?P<value>(?=[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,18}[A-Z0-9])\b"
)
ANCHOR_HINTS = (
    "mrn",
    "medical record",
    "patient id",
    "chart",
    "licen",
    "dl",
    "permis",
    "passport",
    "passeport",
)


# where an ANCHORED_RE match can start (lower-case): the first word of each keyword alternative
KEYWORD_STARTS = (
    "mrn",
    "medical",
    "patient",
    "chart",
    "driver",
    "driving",
    "dl",
    "permis",
    "passport",
    "passeport",
)

_NO_DIGITS = str.maketrans("", "", "0123456789")


def is_valid_record_id(raw: str) -> bool:
    """A record-style identifier: 5-20 alphanumerics with at least 4 digits, not a date or a word."""
    v = alnum_upper(raw)
    return 5 <= len(v) <= 20 and len(v) - len(v.translate(_NO_DIGITS)) >= 4


MRN = Kind(
    "MEDICAL_RECORD_NUMBER", "identity", alnum_upper, lambda r: mask_keep_last(r, 3), True, MRN_CONTEXT
)
DRIVER_LICENSE = Kind(
    "DRIVER_LICENSE", "identity", alnum_upper, lambda r: mask_keep_last(r, 3), False, DL_CONTEXT
)
PASSPORT = Kind("PASSPORT", "identity", alnum_upper, lambda r: mask_keep_last(r, 3), False, PASSPORT_CONTEXT)
