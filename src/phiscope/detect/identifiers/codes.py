"""Clinical codes: NDC (drug), ICD-10-CM (diagnosis), CPT/HCPCS (procedure). Context-only in text."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper, digits
from phiscope.detect.mask import mask_code

NDC_CONTEXT = ("ndc", "national drug code", "drug code", "rx", "medication", "drug", "dispensed", "package")
ICD_CONTEXT = (
    "icd",
    "icd-10",
    "icd10",
    "icd-10-cm",
    "diagnosis",
    "diagnoses",
    "dx",
    "diag",
    "diagnostic",
    "condition",
    "cim-10",
    "cim10",
    "diagnostic principal",
)
CPT_CONTEXT = (
    "cpt",
    "hcpcs",
    "procedure",
    "procedure code",
    "billing code",
    "proc",
    "cpt code",
    "service code",
)

NDC_RE = re.compile(r"\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}")
# Chapter letters A-T, V-Z (U is reserved for special purposes); 3rd char alnum (C4A, M1A, Z3A ...).
ICD10_RE = re.compile(r"[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?")
CPT_RE = re.compile(r"\d{4}[0-9FTU]|[A-V]\d{4}")


def is_valid_ndc(raw: str) -> bool:
    """Labeler-product-package in one of the FDA layouts (4-4-2, 5-3-2, 5-4-1) or 11-digit 5-4-2."""
    if NDC_RE.fullmatch(raw):
        return len(digits(raw)) in (10, 11)
    d = digits(raw)
    return len(d) == 11 and d == raw


def is_valid_icd10(raw: str) -> bool:
    """ICD-10-CM code shape; the 3rd char may be a letter only in the few A-suffixed categories."""
    v = raw.strip().upper()
    if ICD10_RE.fullmatch(v) is None:
        return False
    return v[2].isdigit() or v[:3] in {"C4A", "C7A", "C7B", "D3A", "M1A", "O9A", "Z3A"}


def is_valid_cpt(raw: str) -> bool:
    """CPT category I (00100-99499), II (####F), III (####T), or HCPCS level II (A-V + 4 digits)."""
    v = raw.strip().upper()
    if CPT_RE.fullmatch(v) is None:
        return False
    if v.isdigit():
        return 100 <= int(v) <= 99499
    return True


NDC = Kind("NDC", "health", digits, mask_code, False, NDC_CONTEXT)
ICD10 = Kind("ICD10_CM", "health", alnum_upper, mask_code, False, ICD_CONTEXT)
CPT = Kind("CPT_HCPCS", "health", alnum_upper, mask_code, False, CPT_CONTEXT)
