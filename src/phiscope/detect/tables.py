"""What a whole table is about, from its header: a table of organisations (payers, facilities) or of
clinicians holds no patient, so its NAME column is an organisation or a provider and its address,
phone and coordinates are that organisation's contact block, not a person's.

Exports like Synthea's also suffix generated names with digits ("Milo271"): under a name header the
digits are dropped before the name check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phiscope.detect import columns as C

# Columns only a table of organisations has (Synthea organizations/payers, NPPES-like extracts).
_ORG_MARKERS = frozenset(
    {
        "revenue",
        "utilization",
        "ownership",
        "amount covered",
        "amount uncovered",
        "covered encounters",
        "npi count",
    }
)
_PROVIDER_MARKERS = frozenset({"speciality", "specialty", "taxonomy"})
_PERSON_MARKERS = frozenset(
    {C.FIRST_NAME, C.LAST_NAME, "DATE_OF_BIRTH", "US_SSN", "US_ITIN", "DRIVER_LICENSE", "PASSPORT"}
)
_NAME_HEADERS = frozenset({"name", "names", "organization name", "organisation name", "provider name"})
_CONTACT_BLOCK = frozenset({"POSTAL_ADDRESS", "ZIP_CODE", "PHONE", "EMAIL"})
ORGANISATIONS = "organisations"
PROVIDERS = "providers"


def role(header: Sequence[str]) -> str | None:
    """ORGANISATIONS, PROVIDERS, or None (a table of people, or one we cannot tell)."""
    norm = {C.normalise_label(h) for h in header if h}
    if not norm & _NAME_HEADERS:
        return None
    if any(C.classify_label(h) in _PERSON_MARKERS for h in header if h):
        return None
    if norm & _PROVIDER_MARKERS:
        return PROVIDERS
    if norm & _ORG_MARKERS:
        return ORGANISATIONS
    return None


_TEST_WORDS = frozenset({"test", "sample", "dummy", "fake", "mock", "fixture", "synthetic"})
_IDENTIFIER_KINDS = frozenset(
    {
        "US_SSN",
        "US_ITIN",
        "US_MBI",
        "MEDICAL_RECORD_NUMBER",
        "DRIVER_LICENSE",
        "PASSPORT",
        "CREDIT_CARD",
        "IBAN",
    }
    | {"UK_NHS", "FR_NIR", "FR_INS", "CA_SIN", "PHONE", "EMAIL"}
)
# Columns that hold device or record identifiers whose digits pass other checks (a UDI's GTIN passes Luhn).
_NOT_PERSONAL = frozenset({"udi", "unique device identifier", "gtin", "lot number", "serial number"})


def column_kind(table_role: str | None, header: str) -> str | None:
    """The kind a column holds instead of what its header alone says (None: keep), in a table of
    organisations/providers (`table_role`) or any table (None)."""
    norm = C.normalise_label(header)
    if norm in _NOT_PERSONAL:
        return C.SKIP
    if _TEST_WORDS.intersection(norm.split()) and C.classify_label(header) in _IDENTIFIER_KINDS:
        return C.SKIP  # "test_ssn", "sample MRN": fixtures a QA team wrote, no one's identifiers
    if table_role is None:
        return None
    if norm in _NAME_HEADERS:
        return C.OTHER_NAME if table_role == PROVIDERS else C.ORGANISATION
    kind = C.classify_label(header)
    if kind in _CONTACT_BLOCK or norm in ("lat", "lon", "latitude", "longitude", "city", "county"):
        return C.SKIP  # the organisation's (or the practice's) contact block
    return None


_NAME_DIGITS = re.compile(r"(?<=[^\W\d_])\d+\b")


def strip_name_digits(col: Sequence[str]) -> Sequence[str]:
    """'Milo271 VonRueden376' -> 'Milo VonRueden' when the column's values carry such suffixes."""
    sample = col[:64]
    if not any(_NAME_DIGITS.search(v) for v in sample):
        return col
    return [_NAME_DIGITS.sub("", v) if v else v for v in col]
