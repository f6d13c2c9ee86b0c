"""Payment cards (Luhn + issuer ranges) and IBANs (country length + mod 97)."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper, digits, luhn_ok
from phiscope.detect.mask import mask_iban, mask_keep_last

CARD_CONTEXT = ("card", "credit", "visa", "mastercard", "amex", "carte", "cc", "payment")
IBAN_CONTEXT = ("iban", "bank", "account", "rib", "compte")

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip
IBAN_RE = re.compile(r"[A-Z]{2}\d\d(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?")


def card_brand(d: str) -> str | None:
    """Issuer (IIN) ranges and lengths of the major networks; None when no network issues it."""
    n = len(d)
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"
    p2, p4 = int(d[:2]), int(d[:4])
    if n == 16 and (51 <= p2 <= 55 or 2221 <= p4 <= 2720):
        return "mastercard"
    if n == 15 and p2 in (34, 37):
        return "amex"
    if 16 <= n <= 19 and (d.startswith("6011") or d.startswith("65") or 644 <= int(d[:3]) <= 649):
        return "discover"
    if 16 <= n <= 19 and 3528 <= p4 <= 3589:
        return "jcb"
    if 14 <= n <= 16 and (300 <= int(d[:3]) <= 305 or p2 in (36, 38, 39)):
        return "diners"
    if 16 <= n <= 19 and p2 == 62:
        return "unionpay"
    return None


def is_valid_card(raw: str) -> bool:
    d = digits(raw)
    if not 13 <= len(d) <= 19 or len(set(d)) == 1:
        return False
    return card_brand(d) is not None and luhn_ok(d)


def is_valid_iban(raw: str) -> bool:
    v = alnum_upper(raw)
    if len(v) < 15 or IBAN_LENGTHS.get(v[:2]) != len(v):
        return False
    moved = v[4:] + v[:4]
    num = "".join(str(int(c, 36)) for c in moved)
    return int(num) % 97 == 1


CARD = Kind("CREDIT_CARD", "financial", digits, lambda r: mask_keep_last(r, 4), False, CARD_CONTEXT)
IBAN = Kind("IBAN", "financial", alnum_upper, mask_iban, False, IBAN_CONTEXT)
