"""A 9xx number under an SSN label: test data (never issued). Found only through us/ssn.py's value
and column checks; detected with low severity, never a person key."""

from __future__ import annotations

from phiscope.detect.identifiers import us_ssn
from phiscope.detect.identifiers.unit import Identifier

IDENTIFIER = Identifier(us_ssn.SSN_TEST, jurisdiction="US")
