"""Masked excerpts: enough to recognise the kind of value in a report, never enough to recover it.

Rules (documented in docs/detection.md): numbers keep their separators and the last few digits
(***-**-6789); names keep initials (J*** M*****); e-mails keep the first letter of the local part and
domain plus the top-level domain (j***@e******.com); dates keep the year only when the person would be
under 90 (HIPAA safe harbour), else nothing; codes keep their first character.
"""

from __future__ import annotations

import datetime as _dt
import re

_ALNUM = re.compile(r"[0-9A-Za-z]")
_WORD = re.compile(r"\w+")


def mask_keep_last(raw: str, keep: int) -> str:
    """Star every letter/digit except the last `keep`, keeping separators; never all of a short value."""
    raw = raw.strip()
    n = sum(1 for c in raw if c.isalnum())
    keep = min(keep, max(0, n // 2 - 1)) if n <= 2 * keep else keep
    out = []
    seen = 0
    for c in raw:
        if c.isalnum():
            seen += 1
            out.append(c if seen > n - keep else "*")
        else:
            out.append(c)
    return "".join(out)


def mask_name(raw: str) -> str:
    return _WORD.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), " ".join(raw.split()))


def mask_email(raw: str) -> str:
    local, _, domain = raw.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}{'*' * max(1, len(host) - 1)}.{tld}"


def mask_date(iso_or_raw: str) -> str:
    """ISO date → year kept when the person is under 90, month/day always hidden."""
    year = iso_or_raw[:4]
    if year.isdigit() and _dt.date.today().year - int(year) < 90:
        return f"{year}-**-**"
    return "****-**-**"


def mask_code(raw: str) -> str:
    v = raw.strip()
    return v[:1] + _ALNUM.sub("*", v[1:])


def mask_address(raw: str) -> str:
    """Number hidden, each word reduced to its initial: 12 Main Street → ** M*** S*****."""
    return _WORD.sub(
        lambda m: "*" * len(m.group()) if m.group().isdigit() else m.group()[0] + "*" * (len(m.group()) - 1),
        " ".join(raw.split()),
    )


def mask_zip(raw: str) -> str:
    """First three digits kept (the HIPAA safe-harbour ZIP3), the rest hidden."""
    v = raw.strip()
    return v[:3] + _ALNUM.sub("*", v[3:])


def mask_ip(raw: str) -> str:
    if "." in raw:
        a = raw.split(".")
        return f"{a[0]}.{a[1]}.*.*"
    parts = raw.split(":")
    return ":".join(parts[:2]) + ":*"


def mask_iban(raw: str) -> str:
    v = raw.strip()
    return v[:2] + mask_keep_last(v[2:], 4)


def mask_term(raw: str) -> str:
    """Health terms: the first three letters only (the category is in the type)."""
    v = raw.strip()
    return v[:3] + "*" * max(1, len(v) - 3)
