"""Kinds that are not identifiers (person names, organisations, health terms) and the type ids the
engine's modules share, so that they name no type themselves."""

from __future__ import annotations

import re

from phiscope.detect import names
from phiscope.detect.identifiers import dob
from phiscope.detect.identifiers.base import Kind
from phiscope.detect.mask import mask_name, mask_term

DOB = dob.DOB.type  # a date of birth: an identifier, and a column/label kind
NAME = "PERSON_NAME"
NAME_DOB = "NAME_DOB"  # the person key of a name and a date of birth together

_ORG_SUFFIX_WORDS = (
    "inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|sa|sas|sarl|gmbh|ag|lp|llp"
)
_ORG_SUFFIX = re.compile(rf"\b(?:{_ORG_SUFFIX_WORDS})\b\.?")
# the same on ASCII text (the table path's): an ASCII \b is a table look-up, and a look-ahead on the
# suffixes' first letters skips most word starts at once (~35 % faster)
_ORG_SUFFIX_ASCII = re.compile(
    rf"\b(?=[{''.join(sorted({w[0] for w in _ORG_SUFFIX_WORDS.split('|')}))}])(?:{_ORG_SUFFIX_WORDS})\b\.?",
    re.ASCII,
)


def normalise_org(raw: str) -> str:
    s = (raw if raw.isascii() else names.strip_accents(raw)).casefold().replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = _ORG_SUFFIX.sub(" ", s)
    return " ".join(s.split())


PERSON_NAME = Kind(NAME, "identity", names.normalise_name, mask_name)
ORGANISATION = Kind("ORGANISATION", "organisation", normalise_org, mask_name)
HEALTH = {t: Kind(t, "health", str.lower, mask_term) for t in ("HEALTH_CONDITION", "MEDICATION", "PROCEDURE")}
