"""What a column (or a form field, an HL7 field, a "Label: value" line) holds, from its name.

The same classifier serves headers and labels, so "Social Security No." in a PDF form, `ssn` in a
CSV and "social security number" heard in a call all say the same thing. A header that says nothing
leaves the decision to a vote over a sample of the column's values (see engine.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from phiscope.detect.names import strip_accents

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
    (
        "DATE_OF_BIRTH",
        r"dob|d o b|date of birth|birth ?date|birthdate|birthday|born|date de naissance|"
        r"naissance|ddn|date naissance|pid 7|patient ?birth ?date|geburtsdatum",
    ),
    ("US_ITIN", r"itin"),
    ("US_SSN", r"ssn|social security(?: (?:number|no|num|#))?|soc sec|ss ?no|ss ?num|ss ?#|taxpayer id|tin"),
    ("US_MBI", r"mbi|medicare beneficiary identifier|medicare (?:id|number|no|#)|medicare"),
    ("US_HICN", r"hicn|hic (?:number|no)|health insurance claim number"),
    ("US_NPI", r"npi|national provider identifier|npi number"),
    ("US_DEA", r"dea|dea (?:number|no|#)|dea registration"),
    ("NDC", r"ndc|national drug code|ndc code"),
    ("ICD10_CM", r"icd|icd ?10|icd ?10 ?cm|diagnosis code|dx code|dx|diag code|cim ?10|code cim"),
    ("CPT_HCPCS", r"cpt|hcpcs|procedure code|cpt code|billing code|proc code"),
    ("FR_INS", r"ins|matricule ins|ins nir|identite nationale de sante"),
    ("FR_NIR", r"nir|numero de securite sociale|securite sociale|n ?ss|num secu|no secu|secu|carte vitale"),
    ("UK_NHS", r"nhs|nhs (?:number|no|#)"),
    ("CA_SIN", r"sin|social insurance(?: number)?|nas|numero d assurance sociale"),
    (
        "MEDICAL_RECORD_NUMBER",
        r"mrn|medical record(?: (?:number|no|#))?|patient ?id|patient (?:number|no)|"
        r"chart(?: (?:number|no|#))?|record (?:number|no)|member ?id|subscriber ?id|pid 3|ipp",
    ),
    (
        "DRIVER_LICENSE",
        r"driver'?s? licen[cs]e(?: (?:number|no|#))?|driving licen[cs]e|dl(?: (?:number|no|#))?|drivers|"
        r"licen[cs]e (?:number|no)|permis(?: de conduire)?",
    ),
    ("PASSPORT", r"passport(?: (?:number|no|#))?|passeport"),
    ("CREDIT_CARD", r"(?:credit |debit )?card(?: (?:number|no|#))?|cc(?: (?:number|no))?|pan|carte bancaire"),
    ("IBAN", r"iban|rib|bank account"),
    ("EMAIL", r"e ?mail(?: address)?|courriel|mail"),
    (
        "PHONE",
        r"(?:home |work |cell |mobile )?(?:phone|telephone|tel)(?: (?:number|no|#))?|mobile|cell|fax|"
        r"portable|callback|phone number",
    ),
    ("ZIP_CODE", r"zip(?: ?code)?|postal ?code|post ?code|code postal|cp|zip5"),
    (
        "POSTAL_ADDRESS",
        r"(?:home |street |mailing |postal )?address(?: (?:line )?1)?|street|addr|adresse|"
        r"address line|residence",
    ),
    ("IP_ADDRESS", r"ip|ip ?address|client ?ip|remote ?addr|source ?ip|src ?ip|ipv4|ipv6|adresse ip"),
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
