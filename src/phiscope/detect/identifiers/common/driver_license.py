"""Driver's licence numbers (any jurisdiction's format): found after their keyword or header."""

from __future__ import annotations

from phiscope.detect.identifiers import records
from phiscope.detect.identifiers.common._record_ids import record_identifier

IDENTIFIER = record_identifier(
    records.DRIVER_LICENSE,
    r"driver'?s? licen[cs]e(?: (?:number|no|#))?|driving licen[cs]e|dl(?: (?:number|no|#))?|drivers|"
    r"licen[cs]e (?:number|no)|permis(?: de conduire)?",
    160,
    standard_id=True,
)
