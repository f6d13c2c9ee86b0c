"""What a column (or a form field, an HL7 field, a "Label: value" line) holds, from its name.

The same classifier serves headers and labels, so "Social Security No." in a PDF form, `ssn` in a
CSV and "social security number" heard in a call all say the same thing. A header that says nothing
leaves the decision to a vote over a sample of the column's values (see engine.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from phiscope.detect.names import strip_accents
from phiscope.detect.registry import HEADER_RULES

# Kinds beyond identifier types: parts of names, organisations, health columns, free text.
FIRST_NAME = "FIRST_NAME"
LAST_NAME = "LAST_NAME"
FULL_NAME = "FULL_NAME"
OTHER_NAME = "OTHER_NAME"  # a clinician's or contact's name: a name, but not the record's person
ORGANISATION = "ORGANISATION"
TEXT = "TEXT"
SKIP = "SKIP"  # sampled values are short plain numbers: no identifier can be among them
_IGNORE = "IGNORE"
NAME_KINDS = frozenset({FIRST_NAME, LAST_NAME, FULL_NAME, OTHER_NAME})
HEALTH_KINDS = frozenset({"HEALTH_CONDITION", "MEDICATION", "PROCEDURE"})

# Order matters: the first rule whose pattern matches the normalised label wins.
_RULES: tuple[tuple[str, str], ...] = (
    *HEADER_RULES,  # the identifiers' own (registry), in their declared priority
    (
        ORGANISATION,
        r"employer|employer name|company|company name|organi[sz]ation|insurer|insurance(?: company)?|"
        r"payer|payor|carrier|health plan|plan name|employeur|entreprise|societe|mutuelle|assureur|"
        r"hospital|facility|clinic|practice name|institution",
    ),
    (
        _IGNORE,
        r"(?:file|user|host|bucket|product|device|test|field|column|display|key|table|sheet|brand|item|"
        r"service|street|city|state|country|dept|department|domain|server|app|project|site|event|account) ?names?|"  # noqa: E501
        r"username|filename|hostname|city|state|country",
    ),
    ("MEDICATION", r"medications?|drugs?|drug name|rx|prescriptions?|medicaments?|traitement|meds"),
    (
        "HEALTH_CONDITION",
        r"diagnos[ie]s|diagnosis description|conditions?|diagnostic|problems?|disease|"
        r"chief complaint|reason for visit|pathologie|allerg(?:y|ies)|dx description|comorbidit(?:y|ies)",
    ),
    ("PROCEDURE", r"procedures?|surgery|surgical procedure|intervention|acte|operation"),
    (FIRST_NAME, r"first ?name|firstname|given ?name|given|fname|forename|prenom|patient first name|first"),
    (
        LAST_NAME,
        r"last ?name|lastname|surname|family ?name|family|lname|nom de famille|patient last name|last|nom",
    ),
    (
        OTHER_NAME,
        r"(?:provider|physician|doctor|dr|prescriber|attending|nurse|contact|emergency contact|"
        r"referring|pcp)(?: name)?",
    ),
    (
        FULL_NAME,
        r"(?:patient|employee|member|insured|beneficiary|subscriber|client|customer|person|"
        r"resident|guarantor|policy ?holder)(?: ?(?:full )?name)?|(?:full )?name|nom complet|patient nom|"
        r"nom et prenom|nom prenom|pid 5|patientname|patient's name",
    ),
    (
        TEXT,
        r"notes?|comments?|description|remarks?|narrative|observations?|memo|message|text|body|summary|"
        r"free ?text|clinical notes?|history|hpi|assessment|plan|transcript",
    ),
)
_NO_SEARCH = frozenset(
    {
        TEXT,
        FIRST_NAME,
        LAST_NAME,
        FULL_NAME,
        OTHER_NAME,
        ORGANISATION,
        "MEDICATION",
        "HEALTH_CONDITION",
        "PROCEDURE",
    }
)
_COMPILED = tuple((kind, re.compile(rf"(?:{pat})")) for kind, pat in _RULES)
_SPLIT_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9#']+")


@lru_cache(maxsize=8192)
def normalise_label(label: str) -> str:
    """Labels repeat (an HL7 field name, a FHIR path, a form field on every record): cached."""
    s = _SPLIT_CAMEL.sub(" ", label.strip())
    s = strip_accents(s).lower().replace("_", " ")
    s = _NON_WORD.sub(" ", s)
    return " ".join(s.split())


@lru_cache(maxsize=4096)
def classify_label(label: str) -> str | None:
    """Kind a header/label names, or None. Whole label first, then its words (e.g. 'pt_ssn_last')."""
    s = normalise_label(label)
    if not s or len(s) > 60:
        return None
    for kind, rx in _COMPILED:
        if rx.fullmatch(s):
            return None if kind == _IGNORE else kind
    words = s.split()
    for k in range(len(words) - 1, 0, -1):  # "Patient.name.family" → "name family" → "family"
        tail = " ".join(words[-k:])
        for kind, rx in _COMPILED:
            if rx.fullmatch(tail):
                return None if kind == _IGNORE else kind
    padded = f" {s} "
    for kind, rx in _COMPILED:
        if kind in _NO_SEARCH:  # 'first visit', 'patient gender': a word alone is not enough
            continue
        m = rx.search(padded)
        while m is not None:
            a, b = m.span()
            if a > 0 and padded[a - 1] == " " and b < len(padded) and padded[b] == " ":
                return None if kind == _IGNORE else kind
            m = rx.search(padded, a + 1)
    return None


GENERIC_NAME_LABELS = frozenset({"name", "names", "full name", "fullname", "nom", "display name"})


def is_generic_name(label: str | None) -> bool:
    """A label that says "name" without saying whose: its values need a stricter check."""
    return label is not None and normalise_label(label) in GENERIC_NAME_LABELS
