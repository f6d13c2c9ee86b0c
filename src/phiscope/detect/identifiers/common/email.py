"""E-mail addresses: found by the '@' pass (engine), checked by contact.py."""

from __future__ import annotations

from phiscope.detect import vector
from phiscope.detect.identifiers import contact
from phiscope.detect.identifiers.unit import HIGH, Identifier, fast, simple_check

IDENTIFIER = Identifier(
    contact.EMAIL,
    value_check=simple_check(contact.EMAIL, lambda r: contact.EMAIL_RE.fullmatch(r.strip()) is not None),
    headers=r"e ?mail(?: address)?|courriel|mail",
    header_priority=200,
    fast_column=fast(contact.EMAIL, HIGH, vector.email_column),
)
