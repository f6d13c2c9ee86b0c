"""The few compiled passes the engine runs over text.

Speed comes from shape: every digit-led identifier is one branch after a shared first `\\d`, so the
regex engine skips non-digits at C speed and rejects mid-token starts with one look-behind; letters
(IBAN, DEA, ICD-10, HCPCS) get a second pass led by a capital letter; e-mails a pass led by '@'.
The two identifier passes are composed by `registry` from the declarations' fragments.
"""

from __future__ import annotations

import re

from phiscope.detect.registry import DIGIT_RE, LETTER_RE

__all__ = ["AT_RE", "DIGIT_RE", "KV_RE", "LETTER_RE"]

AT_RE = re.compile(r"@")
KV_RE = re.compile(
    r"(?m)(?:^|(?<=\t)|(?<=  )|(?<=\| )|(?<=; )|(?<=\. ))[ \t]*(?P<label>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'’/#()-]{0,40}?)"  # noqa: E501
    r"[ \t]*[:=][ \t]*"
    r"(?P<value>[^\t\n|;]{1,120}?)[ \t]*(?=$|\t|  |\||;|,? [A-Z][\w .'/#-]{0,30}?:)"
)
