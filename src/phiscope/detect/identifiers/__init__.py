"""One module per identifier family: pattern pieces, a validator, context words, a mask.

`ALL_KINDS` is the registry the engine and the context table are built from.
"""

from __future__ import annotations

from phiscope.detect.identifiers import (
    canada,
    codes,
    contact,
    dob,
    france,
    medicare,
    network,
    payment,
    provider,
    records,
    uk,
    us_ssn,
)
from phiscope.detect.identifiers.base import Kind

ALL_KINDS: tuple[Kind, ...] = (
    us_ssn.SSN,
    us_ssn.ITIN,
    us_ssn.SSN_TEST,
    medicare.MBI,
    medicare.HICN,
    provider.NPI,
    provider.DEA,
    codes.NDC,
    codes.ICD10,
    codes.CPT,
    records.MRN,
    records.DRIVER_LICENSE,
    records.PASSPORT,
    contact.PHONE,
    contact.EMAIL,
    contact.ADDRESS,
    contact.ZIP,
    dob.DOB,
    network.IP,
    france.NIR,
    france.INS,
    uk.NHS,
    canada.SIN,
    payment.CARD,
    payment.IBAN,
)
BY_TYPE: dict[str, Kind] = {k.type: k for k in ALL_KINDS}
PERSON_KEY_TYPES = frozenset(k.type for k in ALL_KINDS if k.person_key)

__all__ = ["ALL_KINDS", "BY_TYPE", "PERSON_KEY_TYPES", "Kind"]
