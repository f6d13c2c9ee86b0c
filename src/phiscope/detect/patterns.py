"""The few compiled passes the engine runs over text, and what each match group can be.

Speed comes from shape: every digit-led identifier is one branch after a shared first `\\d`, so the
regex engine skips non-digits at C speed and rejects mid-token starts with one look-behind; letters
(IBAN, DEA, ICD-10, HCPCS) get a second pass led by a capital letter; e-mails a pass led by '@'.
"""

from __future__ import annotations

import re

from phiscope.detect.identifiers.contact import FR_STREET, STREET_SUFFIX

_END = r"(?![\w@]|[\-/][\w]|\.\d)"
_STREET_WORD = r"[A-Z][a-z]+\.?|[0-9]{1,3}(?:st|nd|rd|th)"

DIGIT_RE = re.compile(
    r"\d(?<![\w.\-/+]\d)(?:"
    + "|".join(
        [
            rf"(?P<hicn_d>\d\d-\d\d-\d{{4}}-?[A-Z]\d?){_END}",
            rf"(?P<ssn>\d\d-\d\d-\d{{4}}|\d\d \d\d \d{{4}}){_END}",
            rf"(?P<ndc>\d{{3}}-\d{{4}}-\d\d|\d{{4}}-\d{{3}}-\d\d|\d{{4}}-\d{{4}}-\d{{1,2}}){_END}",
            rf"(?P<phone1>[ .-]\d{{3}}[ .-]\d{{3}}[ .-]\d{{4}}){_END}",
            rf"(?P<nir_sp>[ ]?\d\d[ ]?\d\d[ ]?(?:\d\d|2[AB])[ ]?\d{{3}}[ ]?\d{{3}}[ ]?\d\d){_END}",
            rf"(?P<phone>\d\d[ .-]\d{{3}}[ .-]\d{{4}}){_END}",
            rf"(?P<card>\d{{3}}(?:[ -]\d{{4}}){{3}}(?:[ -]?\d{{1,3}})?|\d{{3}}[ -]\d{{6}}[ -]\d{{4,5}}){_END}",  # noqa: E501
            rf"(?P<sin>\d\d[ -]\d{{3}}[ -]\d{{3}}){_END}",
            rf"(?P<frphone>\d(?:[ .]\d\d){{4}}){_END}",
            rf"(?P<ukphone>\d{{1,4}} \d{{3,4}} \d{{3,4}}){_END}",
            rf"(?P<date>\d{{3}}[-/.]\d\d?[-/.]\d\d?|\d?[/.\-]\d\d?[/.\-](?:\d{{4}}|\d\d)){_END}",
            rf"(?P<ip>\d{{0,2}}(?:\.\d{{1,3}}){{3}}){_END}",
            rf"(?P<zip4>\d{{4}}-\d{{4}}){_END}",
            rf"(?P<mbi>[A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{{2}}\d\d){_END}",
            rf"(?P<hicn>\d{{8}}[A-Z]{{1,2}}\d?){_END}",
            rf"(?P<addr>\d{{0,5}}(?:[ \t]+(?:{_STREET_WORD})){{1,4}}[ \t]+(?i:{STREET_SUFFIX})\b\.?"
            rf"(?:,?[ \t]+(?:Apt|Suite|Unit|Ste|#)\.?[ \t]*#?\w{{1,5}})?)",
            rf"(?P<fraddr>\d{{0,3}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:{FR_STREET})[ \t]+"
            r"(?:(?:de|du|des|la|le|l'|d')[ \t]*){0,2}[A-ZÀ-Ö][\w'’-]+(?:[ \t]+[A-ZÀ-Ö][\w'’-]+){0,3})",
            rf"(?P<run>\d{{3,18}}){_END}",
        ]
    )
    + ")"
)
LETTER_RE = re.compile(
    r"[A-Z](?<![\w\-][A-Z])(?:"
    + "|".join(
        [
            rf"(?P<iban>[A-Z]\d\d(?:[ ]?[A-Z0-9]{{4}}){{2,7}}(?:[ ]?[A-Z0-9]{{1,3}})?){_END}",
            rf"(?P<dea>[A-Z9]\d{{7}}){_END}",
            rf"(?P<icd>\d[0-9A-Z](?:\.[0-9A-Z]{{1,4}})?){_END}",
            rf"(?P<hcpcs>\d{{4}}){_END}",
        ]
    )
    + ")"
)
AT_RE = re.compile(r"@")
KV_RE = re.compile(
    r"(?m)(?:^|(?<=\t)|(?<=  )|(?<=\| )|(?<=; )|(?<=\. ))[ \t]*(?P<label>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'’/#()-]{0,40}?)"  # noqa: E501
    r"[ \t]*[:=][ \t]*"
    r"(?P<value>[^\t\n|;]{1,120}?)[ \t]*(?=$|\t|  |\||;|,? [A-Z][\w .'/#-]{0,30}?:)"
)
