"""Contact details: phone numbers (NANP, French, UK, E.164), e-mail, street addresses, ZIP codes."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.mask import mask_address, mask_email, mask_keep_last, mask_zip

PHONE_CONTEXT = (
    "phone",
    "tel",
    "telephone",
    "téléphone",
    "cell",
    "mobile",
    "fax",
    "call",
    "contact",
    "portable",
)
ZIP_CONTEXT = ("zip", "zip code", "zipcode", "postal", "postal code", "code postal", "cp", "postcode")
ADDRESS_CONTEXT = ("address", "adresse", "street", "residence", "domicile", "lives at", "mailing")

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
    ]
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_LOCAL_TAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_DOMAIN_HEAD = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
# Phone numbers that start with "(" or "+": +1 (555) 234-5678, +33 1 23 45 67 89, +44 20 7946 0958.
PLUS_PHONE_RE = re.compile(
    r"(?:\+1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}"
    r"|\+1[ .-]?\d{3}[ .-]\d{3}[ .-]\d{4}"
    r"|\+33[ .]?(?:\(0\))?[1-9](?:[ .]?\d\d){4}"
    r"|\+44[ .]?(?:\(0\))?\d{2,4}[ .]?\d{3,4}[ .]?\d{3,4}"
    r"|\+[2-9]\d{0,2}(?:[ .-]?\d{1,4}){2,5}"
)
STREET_SUFFIX = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|terrace|ter|"
    "circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|loop|row"
)
FR_STREET = "rue|avenue|av|boulevard|bd|chemin|impasse|allée|allee|place|quai|route|cours"


def is_valid_nanp(raw: str) -> bool:
    """North American number: area and exchange codes start 2-9; not 555-01xx fiction block... kept."""
    d = digits(raw)
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if len(d) != 10:
        return False
    return d[0] not in "01" and d[3] not in "01" and d[1:3] != "11"


def is_valid_phone(raw: str) -> bool:
    d = digits(raw)
    s = raw.lstrip()
    if s.startswith("+33") or (len(d) == 10 and d[0] == "0" and d[1] != "0"):
        return len(d) in (10, 11) and (s.startswith("+33") or d[0] == "0")
    if s.startswith("+44"):
        return 11 <= len(d) <= 13
    if s.startswith("+") and not s.startswith("+1"):
        return 8 <= len(d) <= 15
    return is_valid_nanp(raw)


def is_valid_email(raw: str) -> bool:
    local, _, domain = raw.rpartition("@")
    if not local or ".." in raw or local[0] == "." or local[-1] == ".":
        return False
    return "." in domain and not domain.startswith("-")


def is_valid_zip(raw: str) -> bool:
    d = digits(raw)
    return len(d) in (5, 9) and d[:5] != "00000"


PHONE = Kind("PHONE", "contact", digits, lambda r: mask_keep_last(r, 2), False, PHONE_CONTEXT)
EMAIL = Kind(
    "EMAIL", "contact", lambda r: r.lower(), mask_email, False, ("email", "e-mail", "mail", "courriel")
)
ADDRESS = Kind(
    "POSTAL_ADDRESS",
    "contact",
    lambda r: " ".join(r.lower().replace(",", " ").split()),
    mask_address,
    False,
    ADDRESS_CONTEXT,
)
ZIP = Kind("ZIP_CODE", "contact", digits, mask_zip, False, ZIP_CONTEXT)
