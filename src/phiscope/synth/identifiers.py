"""Generators (and the matching validity checks) for identifiers Faker does not make.

Each generator draws from a caller-supplied `random.Random`, so a seed fixes every value. The
checks here exist to test the generators; detection has its own validators in `detect/`.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

# SSA rules: areas 000, 666 and 900-999 were never issued; group 00 and serial 0000 neither.
# Numbers the SSA voided after they were advertised (wallet insert, ad) can never be anyone's:
VOIDED_SSNS = ("078-05-1120", "219-09-9999")
# ... and numbers printed in public that the generator must never produce (one is a real person's;
# 123-45-6789 is the classic placeholder), though SSA rules alone would accept them.
ADVERTISED_SSNS = frozenset({*VOIDED_SSNS, "457-55-5462", "123-45-6789"})

_SSN_RE = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")


def is_valid_ssn(ssn: str) -> bool:
    """True for a dashed SSN that the SSA could have issued (not advertised, not reserved)."""
    m = _SSN_RE.match(ssn)
    if not m:
        return False
    area, group, serial = (int(g) for g in m.groups())
    if area == 0 or area == 666 or area >= 900:
        return False
    if group == 0 or serial == 0:
        return False
    return ssn not in ADVERTISED_SSNS


def ssn(rng: random.Random) -> str:
    """A valid-format SSN (never an advertised one)."""
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        s = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if s not in ADVERTISED_SSNS:
            return s


def invalid_ssn_shaped(rng: random.Random, kind: str | None = None) -> str:
    """An NNN-NN-NNNN string that can never be an SSN: the decoys real logs are full of."""
    kinds = ("area000", "area666", "area9xx", "group00", "serial0000", "advertised")
    kind = kind or rng.choice(kinds)
    a, g, s = rng.randint(1, 665), rng.randint(1, 99), rng.randint(1, 9999)
    if kind == "area000":
        a = 0
    elif kind == "area666":
        a = 666
    elif kind == "area9xx":
        a = rng.randint(900, 999)
    elif kind == "group00":
        g = 0
    elif kind == "serial0000":
        s = 0
    elif kind == "advertised":
        return rng.choice(VOIDED_SSNS)
    else:
        raise ValueError(f"unknown invalid SSN kind: {kind}")
    return f"{a:03d}-{g:02d}-{s:04d}"


# --- NPI: 10 digits, first 1 or 2, last = Luhn check digit over "80840" + the first nine -------------


def luhn_check_digit(payload: str) -> int:
    """The digit that makes `payload + digit` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # rightmost payload digit is doubled (the check digit will sit right of it)
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and luhn_check_digit(number[:-1]) == int(number[-1])


def is_valid_npi(npi: str) -> bool:
    return len(npi) == 10 and npi.isdigit() and npi[0] in "12" and luhn_valid("80840" + npi)


def npi(rng: random.Random) -> str:
    body = rng.choice("12") + "".join(rng.choice(string.digits) for _ in range(8))
    return body + str(luhn_check_digit("80840" + body))


# --- Medicare Beneficiary Identifier (CMS format, 11 characters) -------------------------------------

MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # A-Z without S, L, O, I, B, Z
_MBI_ALNUM = string.digits + MBI_LETTERS
# position -> allowed characters: C numeric 1-9, N numeric, A letter, AN either
_MBI_SHAPE = ("C", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
_MBI_SETS = {"C": "123456789", "N": string.digits, "A": MBI_LETTERS, "AN": _MBI_ALNUM}


def is_valid_mbi(mbi: str) -> bool:
    """CMS MBI format; the dashed print form 1EG4-TE5-MK73 is accepted too."""
    s = mbi.replace("-", "")
    if len(s) != 11 or (mbi != s and (len(mbi) != 13 or mbi[4] != "-" or mbi[8] != "-")):
        return False
    return all(ch in _MBI_SETS[kind] for ch, kind in zip(s, _MBI_SHAPE, strict=True))


def mbi(rng: random.Random) -> str:
    return "".join(rng.choice(_MBI_SETS[kind]) for kind in _MBI_SHAPE)


def format_mbi(mbi_: str) -> str:
    """The dashed form printed on Medicare cards."""
    return f"{mbi_[:4]}-{mbi_[4:7]}-{mbi_[7:]}"


# --- DEA registration number: 2 letters + 7 digits, last digit a checksum -----------------------------

DEA_REGISTRANT_TYPES = "ABFGM"


def dea_check_digit(six: str) -> int:
    d = [int(c) for c in six]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10


def is_valid_dea(dea: str) -> bool:
    if len(dea) != 9 or not dea[2:].isdigit():
        return False
    if dea[0] not in "ABCDEFGHJKLMPRSTUX" or not (dea[1].isalpha() or dea[1] == "9"):
        return False
    return dea_check_digit(dea[2:8]) == int(dea[8])


def dea(rng: random.Random, last_name: str) -> str:
    """A DEA number whose second letter is the registrant's last-name initial, as the DEA assigns."""
    initial = next((c for c in last_name.upper() if c in string.ascii_uppercase), "X")
    six = "".join(rng.choice(string.digits) for _ in range(6))
    return rng.choice(DEA_REGISTRANT_TYPES) + initial + six + str(dea_check_digit(six))


# --- French NIR (numéro de sécurité sociale): 13 digits + key = 97 - (n mod 97) ----------------------

FR_DEPARTMENTS = ("75", "69", "13", "33", "31", "59", "67", "44", "06", "2A", "2B", "92", "93", "35")


def nir_key(body13: str) -> int:
    """Key of a 13-character NIR body; Corsica's 2A/2B count as 19/18 (INSEE rule)."""
    n = body13.replace("2A", "19").replace("2B", "18") if body13[5:7] in ("2A", "2B") else body13
    return 97 - int(n) % 97


def is_valid_nir(nir: str) -> bool:
    s = nir.replace(" ", "")
    if len(s) != 15 or s[0] not in "12" or not s[13:].isdigit():
        return False
    body = s[:13]
    if not (body[:5].isdigit() and body[7:].isdigit() and (body[5:7].isdigit() or body[5:7] in ("2A", "2B"))):
        return False
    if not 1 <= int(body[3:5]) <= 12:
        return False
    return nir_key(body) == int(s[13:])


def nir(rng: random.Random, *, female: bool, year: int, month: int) -> str:
    dept = rng.choice(FR_DEPARTMENTS)
    body = (
        f"{2 if female else 1}{year % 100:02d}{month:02d}{dept}"
        f"{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    )
    return body + f"{nir_key(body):02d}"


def format_nir(nir_: str) -> str:
    """The spaced form printed on a carte Vitale: 2 72 03 75 123 456 78."""
    s = nir_
    return f"{s[0]} {s[1:3]} {s[3:5]} {s[5:7]} {s[7:10]} {s[10:13]} {s[13:]}"


# --- ICD-10-CM: a small list of real codes with their descriptions ----------------------------------


@dataclass(frozen=True, slots=True)
class Icd10:
    code: str
    description: str
    lay: str  # how a patient would say it on a call


ICD10_GENERAL = (
    Icd10("E11.9", "Type 2 diabetes mellitus without complications", "my blood sugar has been very high"),
    Icd10("I10", "Essential (primary) hypertension", "my blood pressure is up again"),
    Icd10("J45.909", "Unspecified asthma, uncomplicated", "my asthma is getting worse at night"),
    Icd10("F41.1", "Generalized anxiety disorder", "I have panic attacks and I cannot sleep"),
    Icd10("F32.9", "Major depressive disorder, single episode, unspecified", "I have been feeling depressed"),
    Icd10("E78.5", "Hyperlipidemia, unspecified", "I need a refill of my cholesterol medication"),
    Icd10("M54.50", "Low back pain, unspecified", "my lower back hurts all the time"),
    Icd10("J06.9", "Acute upper respiratory infection, unspecified", "I have a bad cough and a fever"),
    Icd10("N39.0", "Urinary tract infection, site not specified", "it burns when I urinate"),
    Icd10("K21.9", "Gastro-esophageal reflux disease without esophagitis", "I have heartburn after meals"),
    Icd10("G43.909", "Migraine, unspecified, not intractable, without status migrainosus", "I get migraines"),
    Icd10("J44.9", "Chronic obstructive pulmonary disease, unspecified", "I am short of breath"),
    Icd10("E03.9", "Hypothyroidism, unspecified", "my thyroid medication needs adjusting"),
    Icd10("M17.11", "Unilateral primary osteoarthritis, right knee", "my right knee is swollen"),
    Icd10("U07.1", "COVID-19", "I tested positive for covid"),
    Icd10("B20", "Human immunodeficiency virus [HIV] disease", "I need my HIV medication renewed"),
)

ICD10_WORK_INJURY = (
    Icd10(
        "S93.401A", "Sprain of unspecified ligament of right ankle, initial encounter", "I twisted my ankle"
    ),
    Icd10(
        "S39.012A",
        "Strain of muscle, fascia and tendon of lower back, initial encounter",
        "I hurt my back lifting boxes",
    ),
    Icd10(
        "S61.411A",
        "Laceration without foreign body of right hand, initial encounter",
        "I cut my hand at work",
    ),
    Icd10("S63.501A", "Unspecified sprain of right wrist, initial encounter", "I sprained my wrist"),
    Icd10("G56.01", "Carpal tunnel syndrome, right upper limb", "my right hand goes numb at work"),
)

ICD10_ALL = ICD10_GENERAL + ICD10_WORK_INJURY
ICD10_BY_CODE = {c.code: c for c in ICD10_ALL}
_ICD10_RE = re.compile(r"^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$|^U07\.1$")


def is_icd10_shaped(code: str) -> bool:
    return bool(_ICD10_RE.match(code))


# --- Phones and e-mails that cannot reach anyone ------------------------------------------------------

US_AREA_CODES = (
    "212", "312", "415", "617", "713", "206", "305", "404", "503", "602", "720", "919",
    "214", "303", "313", "412", "502", "513", "615", "702", "804", "816", "901", "971",
)  # fmt: skip


def us_phone(rng: random.Random) -> str:
    """(AAA) 555-01NN: the 555-0100..0199 block is reserved for fiction."""
    return f"({rng.choice(US_AREA_CODES)}) 555-{rng.randint(100, 199):04d}"


def fr_phone(rng: random.Random) -> str:
    """06 39 98 NN NN: a mobile block ARCEP reserves for fiction."""
    n = rng.randint(0, 9999)
    return f"06 39 98 {n // 100:02d} {n % 100:02d}"
