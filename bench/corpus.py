"""A labelled synthetic corpus for detection benchmarks: free-text documents with span labels per
identifier type, mixed with decoys (invalid SSNs, SSN-shaped trace ids, product codes, phone numbers
that pass the NHS mod-11 check, Luhn-failing card-like numbers, non-birth dates), plus a patient CSV.

Every value is generated here from its format rules (check digits computed), so nothing real is used.
Names come half from the locales the name dictionary was built from and half from locales it was not
(nl_NL, pl_PL, pt_BR), so name recall is not measured on the dictionary alone.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

from faker import Faker

from phiscope.detect.identifiers.base import luhn_ok
from phiscope.detect.identifiers.france import nir_key
from phiscope.detect.identifiers.uk import is_valid_nhs


@dataclass
class Doc:
    text: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, s: str) -> None:
        self.text += s

    def value(self, v: str, label: str | None) -> None:
        if label:
            self.spans.append((len(self.text), len(self.text) + len(v), label))
        self.text += v


class Gen:
    def __init__(self, seed: int = 7) -> None:
        self.r = random.Random(seed)
        Faker.seed(seed)
        self.fk = {loc: Faker(loc) for loc in ("en_US", "fr_FR", "nl_NL", "pl_PL", "pt_BR")}

    # -- valid values, from format rules --------------------------------------------------------
    def ssn_digits(self) -> str:
        r = self.r
        while True:
            area = r.randint(1, 899)
            if area != 666:
                d = f"{area:03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"
                if d not in ("078051120", "219099999", "457555462"):
                    return d

    def ssn(self) -> str:
        d = self.ssn_digits()
        return f"{d[:3]}-{d[3:5]}-{d[5:]}"

    def itin(self) -> str:
        return f"9{self.r.randint(0, 99):02d}-{self.r.choice([70, 75, 80, 88, 90, 94, 99])}-{self.r.randint(0, 9999):04d}"  # noqa: E501

    def mbi(self) -> str:
        a = "ACDEFGHJKMNPQRTUVWXY"
        an = a + "0123456789"
        r = self.r
        s = (
            str(r.randint(1, 9))
            + r.choice(a)
            + r.choice(an)
            + str(r.randint(0, 9))
            + r.choice(a)
            + r.choice(an)
            + str(r.randint(0, 9))
            + r.choice(a)
            + r.choice(a)
            + str(r.randint(0, 9))
            + str(r.randint(0, 9))
        )
        return f"{s[:4]}-{s[4:7]}-{s[7:]}" if r.random() < 0.5 else s

    def luhn_complete(self, body: str, prefix: str = "") -> str:
        for c in "0123456789":
            if luhn_ok(prefix + body + c):
                return body + c
        raise AssertionError

    def npi(self) -> str:
        return self.luhn_complete(self.r.choice("12") + "".join(self.r.choices("0123456789", k=8)), "80840")

    def dea(self) -> str:
        d = [self.r.randint(0, 9) for _ in range(6)]
        check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
        return self.r.choice("ABFM") + self.r.choice("ABCDEFGHJKLMNPRSTW") + "".join(map(str, d)) + str(check)

    def card(self) -> str:
        r = self.r
        kind = r.choice(["visa", "mc", "amex"])
        if kind == "amex":
            n = self.luhn_complete(r.choice(["34", "37"]) + "".join(r.choices("0123456789", k=12)))
            return f"{n[:4]} {n[4:10]} {n[10:]}"
        pre = "4" if kind == "visa" else str(r.randint(51, 55))
        n = self.luhn_complete(pre + "".join(r.choices("0123456789", k=15 - len(pre))))
        sep = r.choice([" ", "-", ""])
        return sep.join(n[i : i + 4] for i in range(0, 16, 4))

    def nir(self, spaced: bool | None = None) -> str:
        r = self.r
        dep = r.choice(["75", "69", "13", "2A", "2B", "33", "59"])
        body = f"{r.choice('12')}{r.randint(40, 99):02d}{r.randint(1, 12):02d}{dep}{r.randint(1, 999):03d}{r.randint(1, 999):03d}"  # noqa: E501
        key = f"{nir_key(body):02d}"
        v = body + key
        if spaced if spaced is not None else r.random() < 0.5:
            return f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"
        return v

    def nhs(self) -> str:
        while True:
            d = "".join(self.r.choices("0123456789", k=9))
            total = sum(int(c) * w for c, w in zip(d, range(10, 1, -1), strict=True))
            c = 11 - total % 11
            c = 0 if c == 11 else c
            if c != 10 and is_valid_nhs(d + str(c)):
                v = d + str(c)
                return f"{v[:3]} {v[3:6]} {v[6:]}"

    def sin(self) -> str:
        v = self.luhn_complete(self.r.choice("1234567") + "".join(self.r.choices("0123456789", k=7)))
        return f"{v[:3]} {v[3:6]} {v[6:]}" if self.r.random() < 0.5 else f"{v[:3]}-{v[3:6]}-{v[6:]}"

    def iban(self) -> str:
        r = self.r
        cc, n = r.choice([("FR", 23), ("DE", 18), ("GB", 18)])
        bban = ("NWBK" if cc == "GB" else "") + "".join(
            r.choices("0123456789", k=n - (4 if cc == "GB" else 0))
        )
        num = "".join(str(int(c, 36)) for c in bban + cc + "00")
        check = 98 - int(num) % 97
        v = f"{cc}{check:02d}{bban}"
        return " ".join(v[i : i + 4] for i in range(0, len(v), 4)) if r.random() < 0.6 else v

    def nanp(self) -> str:
        r = self.r
        a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
        if a % 100 == 11:
            a += 1
        return r.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"+1 {a} {b} {c:04d}"])

    def fr_phone(self) -> str:
        r = self.r
        d = [f"{r.randint(0, 99):02d}" for _ in range(4)]
        return r.choice([f"0{r.randint(1, 7)} " + " ".join(d), f"+33 {r.randint(1, 7)} " + " ".join(d)])

    def name(self) -> str:
        loc = self.r.choice(["en_US", "fr_FR", "nl_NL", "pl_PL", "pt_BR"])
        f = self.fk[loc]
        return f"{f.first_name()} {f.last_name()}"

    def dob(self) -> tuple[str, str]:
        y, m, d = self.r.randint(1935, 2010), self.r.randint(1, 12), self.r.randint(1, 28)
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        fmt = self.r.choice(["us", "iso", "text"])
        if fmt == "us":
            return f"{m:02d}/{d:02d}/{y}", "en"
        if fmt == "iso":
            return f"{y}-{m:02d}-{d:02d}", "en"
        return f"{months[m - 1]} {d}, {y}", "en"

    def address(self) -> str:
        r = self.r
        suffix = r.choice(
            ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Drive", "Lane", "Boulevard", "Court", "Way"]
        )
        return f"{r.randint(1, 9999)} {self.fk['en_US'].last_name()} {suffix}"


ICD = [
    "E11.9",
    "I10",
    "J45.909",
    "F32.9",
    "M54.5",
    "Z79.4",
    "E78.5",
    "K21.9",
    "N18.3",
    "F41.1",
    "C50.911",
    "G43.909",
]
CPT = ["99213", "99214", "80053", "85025", "93000", "36415", "G0439", "J1100", "71046"]
CONDITIONS = [
    "type 2 diabetes",
    "hypertension",
    "asthma",
    "major depressive disorder",
    "COPD",
    "breast cancer",
]
MEDS = ["metformin", "lisinopril", "atorvastatin", "sertraline", "albuterol", "insulin"]


def build(n_docs: int = 400, seed: int = 7) -> list[Doc]:
    g = Gen(seed)
    r = g.r
    docs: list[Doc] = []
    for _ in range(n_docs):
        d = Doc()
        for _ in range(r.randint(4, 9)):
            k = r.randrange(40)
            nm = g.name()
            if k == 0:
                d.add("Patient: "), d.value(nm, "PERSON_NAME"), d.add("\nDOB: ")
                v, _ = g.dob()
                d.value(v, "DATE_OF_BIRTH"), d.add("\nSSN: "), d.value(g.ssn(), "US_SSN"), d.add("\n")
            elif k == 1:
                d.add("Social security number "), d.value(g.ssn_digits(), "US_SSN"), d.add(" on file. ")
            elif k == 2:
                d.add("The member's Medicare MBI is "), d.value(g.mbi(), "US_MBI"), d.add(". ")
            elif k == 3:
                (
                    d.add("Legacy Medicare HICN "),
                    d.value(g.ssn_digits() + "A", "US_HICN"),
                    d.add(" was retired. "),
                )
            elif k == 4:
                (
                    d.add("Prescriber NPI: "),
                    d.value(g.npi(), "US_NPI"),
                    d.add(", DEA # "),
                    d.value(g.dea(), "US_DEA"),
                )
                d.add(".\n")
            elif k == 5:
                ndc = f"{r.randint(10000, 99999)}-{r.randint(1000, 9999)}-{r.randint(10, 99)}"
                (
                    d.add("Dispensed NDC "),
                    d.value(ndc, "NDC"),
                    d.add(" ("),
                    d.value(r.choice(MEDS), "MEDICATION"),
                )
                d.add(").\n")
            elif k == 6:
                d.add("Diagnosis: "), d.value(r.choice(CONDITIONS), "HEALTH_CONDITION"), d.add(" (ICD-10 ")
                d.value(r.choice(ICD), "ICD10_CM"), d.add(").\n")
            elif k == 7:
                d.add("Billed CPT code "), d.value(r.choice(CPT), "CPT_HCPCS"), d.add(" for the visit. ")
            elif k == 8:
                (
                    d.add("MRN: "),
                    d.value(str(r.randint(100000, 99999999)), "MEDICAL_RECORD_NUMBER"),
                    d.add("\n"),
                )
            elif k == 9:
                (
                    d.add("Driver's license "),
                    d.value(r.choice("ABDFS") + str(r.randint(1000000, 9999999)), "DRIVER_LICENSE"),
                )
                d.add(" verified. ")
            elif k == 10:
                (
                    d.add("Passport number "),
                    d.value(str(r.randint(100000000, 999999999)), "PASSPORT"),
                    d.add(". "),
                )
            elif k == 11:
                d.add("Call "), d.value(g.nanp(), "PHONE"), d.add(" to reschedule. ")
            elif k == 12:
                d.add("Téléphone : "), d.value(g.fr_phone(), "PHONE"), d.add("\n")
            elif k == 13:
                e = g.fk["en_US"].email()
                d.add("Write to "), d.value(e, "EMAIL"), d.add(" with questions. ")
            elif k == 14:
                d.add("Lives at "), d.value(g.address(), "POSTAL_ADDRESS"), d.add(", Springfield, IL ")
                d.value(f"{r.randint(10000, 99999)}", "ZIP_CODE"), d.add(".\n")
            elif k == 15:
                v, _ = g.dob()
                d.add("The patient was born on "), d.value(v, "DATE_OF_BIRTH"), d.add(". ")
            elif k == 16:
                ip = f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
                d.add("Portal login from "), d.value(ip, "IP_ADDRESS"), d.add(" at 10:42. ")
            elif k == 17:
                d.add("Numéro de sécurité sociale : "), d.value(g.nir(), "FR_NIR"), d.add("\n")
            elif k == 18:
                d.add("Assuré "), d.value(g.nir(False), "FR_NIR"), d.add(" pris en charge. ")
            elif k == 19:
                d.add("Matricule INS : "), d.value(g.nir(False), "FR_INS"), d.add("\n")
            elif k == 20:
                d.add("NHS number "), d.value(g.nhs(), "UK_NHS"), d.add(" registered. ")
            elif k == 21:
                d.add("SIN: "), d.value(g.sin(), "CA_SIN"), d.add("\n")
            elif k == 22:
                d.add("Paid by card "), d.value(g.card(), "CREDIT_CARD"), d.add(". ")
            elif k == 23:
                d.add("Refund to IBAN "), d.value(g.iban(), "IBAN"), d.add(".\n")
            elif k == 24:
                (
                    d.value(nm, "PERSON_NAME"),
                    d.add(" was admitted for "),
                    d.value(r.choice(CONDITIONS), "HEALTH_CONDITION"),
                )
                d.add(" and started on "), d.value(r.choice(MEDS), "MEDICATION"), d.add(". ")
            elif k == 25:
                d.add("Taxpayer ITIN "), d.value(g.itin(), "US_ITIN"), d.add(". ")
            elif k == 26:
                d.add("Employee SSN "), d.value(g.ssn(), "US_SSN"), d.add(" updated by HR. ")
            # ---- decoys (no label) -----------------------------------------------------------
            elif k == 27:
                bad = r.choice(["000", "666", "912", "987"]) + f"-{r.randint(10, 49)}-{r.randint(1000, 9999)}"
                d.add(f"Rejected SSN {bad} (invalid area). ")
            elif k == 28:
                d.add(f"trace id TRC-{g.ssn()}-A failed; request {g.ssn()} retried. ")
            elif k == 29:
                d.add(
                    f"SKU {r.randint(1000, 9999)}-{r.randint(1000, 9999)}-{r.randint(10, 99)} and part AB{r.randint(1000000, 9999999)} in stock. "  # noqa: E501
                )
            elif k == 30:
                # a number passing the NHS mod-11 check, written and labelled as a phone number
                v = g.nhs().replace(" ", "-")
                while v[0] in "01" or v[4] in "01" or v[1:3] == "11":
                    v = g.nhs().replace(" ", "-")
                d.add("Fax "), d.value(v, "PHONE"), d.add(" for records. ")
            elif k == 31:
                n = g.card().replace(" ", "").replace("-", "")
                bad = n[:-1] + str((int(n[-1]) + 1) % 10)
                d.add(f"Tracking number {bad} shipped. ")
            elif k == 32:
                d.add(f"Follow-up visit on {r.randint(1, 12):02d}/{r.randint(1, 28):02d}/2024 at room B12. ")
            elif k == 33:
                d.add(f"Order {r.randint(100000000, 999999999)} confirmed, build 4.2.{r.randint(1, 99)}. ")
            elif k == 34:
                d.add(f"Advertised sample SSN {r.choice(['078-05-1120', '219-09-9999'])} is not real. ")
            elif k == 35:
                (
                    d.add("Dr. "),
                    d.value(g.fk["en_US"].last_name(), "PERSON_NAME"),
                    d.add(" reviewed the chart. "),
                )
            elif k == 36:
                d.add(
                    f"Invoice total {r.randint(10, 9999)}.{r.randint(10, 99)} USD, ref {r.randint(1000000000, 9999999999)}. "  # noqa: E501
                )
            else:
                d.add("The weekly staff meeting moved to Tuesday. Parking lot B closes at 6 pm. ")
        docs.append(d)
    return docs


def patients_csv(n_rows: int = 20000, seed: int = 11) -> str:
    """A patient export: the CSV the speed benchmark scans."""
    g = Gen(seed)
    r = g.r
    f = g.fk["en_US"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "patient_id",
            "first_name",
            "last_name",
            "dob",
            "ssn",
            "phone",
            "email",
            "address",
            "zip",
            "employer",
            "diagnosis",
            "icd10",
            "amount",
            "notes",
        ]
    )
    for i in range(n_rows):
        v, _ = g.dob()
        w.writerow(
            [
                f"P{i:07d}",
                f.first_name(),
                f.last_name(),
                v,
                g.ssn(),
                g.nanp(),
                f.email(),
                g.address(),
                f"{r.randint(10000, 99999)}",
                f.company(),
                r.choice(CONDITIONS),
                r.choice(ICD),
                f"{r.random() * 1000:.2f}",
                r.choice(["", "follow-up in 2 weeks", "refill metformin", "no show"]),
            ]
        )
    return out.getvalue()
