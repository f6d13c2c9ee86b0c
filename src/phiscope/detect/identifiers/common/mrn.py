"""Medical record numbers (MRN, patient id, chart number, IPP): a person key, no fixed shape."""

from __future__ import annotations

from phiscope.detect.identifiers import records
from phiscope.detect.identifiers.common._record_ids import record_identifier

IDENTIFIER = record_identifier(
    records.MRN,
    r"mrn|medical record(?: (?:number|no|#))?|patient ?id|patient (?:number|no)|"
    r"chart(?: (?:number|no|#))?|record (?:number|no)|member ?id|subscriber ?id|pid 3|ipp",
    150,
)
