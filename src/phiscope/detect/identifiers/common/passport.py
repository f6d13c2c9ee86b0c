"""Passport numbers (any country's format): found after their keyword or header."""

from __future__ import annotations

from phiscope.detect.identifiers import records
from phiscope.detect.identifiers.common._record_ids import record_identifier

IDENTIFIER = record_identifier(
    records.PASSPORT, r"passport(?: (?:number|no|#))?|passeport", 170, standard_id=True
)
