"""The synthetic population: patients, their employers and their providers, fixed by one seed.

Names and addresses come from Faker (seeded); identifiers from `identifiers.py`. Phones sit in
blocks reserved for fiction and e-mails under example.com, so nothing can reach a real person.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from phiscope.synth import identifiers as ids

# Everything is dated relative to this day, never to today, so builds do not drift.
REFERENCE_DATE = date(2024, 6, 30)
MEDICARE_AGE = 65


@dataclass(frozen=True, slots=True)
class Provider:
    npi: str
    dea: str  # prescribers of controlled substances carry one


@dataclass(frozen=True, slots=True)
class Person:
    pid: str  # pseudonymous id used only in the ground truth (P0001, ...)
    country: str  # "US" or "FR"
    first: str
    last: str
    female: bool
    dob: date
    ssn: str | None  # US only
    mbi: str | None  # US patients of Medicare age only
    nir: str | None  # FR only
    street: str
    city: str
    state: str  # US state code; "" in France
    postcode: str
    phone: str
    email: str
    employer: str | None
    mrn: str
    conditions: tuple[ids.Icd10, ...]
    provider: Provider

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def age(self) -> int:
        d, r = self.dob, REFERENCE_DATE
        return r.year - d.year - ((r.month, r.day) < (d.month, d.day))

    @property
    def primary_id(self) -> str:
        """The strong identifier every record of this person carries (SSN in the US, NIR in France)."""
        value = self.ssn or self.nir
        assert value is not None
        return value


@dataclass(frozen=True, slots=True)
class Population:
    people: tuple[Person, ...]
    employers: tuple[str, ...]
    providers: tuple[Provider, ...]

    @property
    def us(self) -> list[Person]:
        return [p for p in self.people if p.country == "US"]

    @property
    def fr(self) -> list[Person]:
        return [p for p in self.people if p.country == "FR"]


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _unique(draw: Callable[[], str], seen: set[str]) -> str:
    """Draw until the value is new; remember it."""
    while (value := draw()) in seen:
        pass
    seen.add(value)
    return value


def make_population(seed: int, n_people: int, n_employers: int, *, french_share: float = 0.05) -> Population:
    """`n_people` distinct people (unique names, SSNs, phones, e-mails), deterministic in `seed`."""
    from faker import Faker

    if n_people < 1:
        raise ValueError("n_people must be at least 1")
    if n_people > 2000:
        raise ValueError("at most 2000 people (phone numbers reserved for fiction run out)")
    rng = random.Random(f"phiscope-synth-people-{seed}")
    fake_us = Faker("en_US")
    fake_us.seed_instance(seed)
    fake_fr = Faker("fr_FR")
    fake_fr.seed_instance(seed + 1)

    employers: list[str] = []
    while len(employers) < n_employers:
        company = fake_us.company()
        if company not in employers:
            employers.append(company)
    providers = tuple(Provider(ids.npi(rng), ids.dea(rng, fake_us.last_name())) for _ in range(8))

    n_fr = 0 if n_people < 10 else max(2, round(n_people * french_share))
    span_days = (REFERENCE_DATE - date(1932, 1, 1)).days - 19 * 365
    seen_names: set[str] = set()
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    people: list[Person] = []
    working = 0
    for i in range(n_people):
        french = i >= n_people - n_fr
        fake = fake_fr if french else fake_us
        female = rng.random() < 0.52
        while True:
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            if f"{first} {last}".lower() not in seen_names:
                break
        seen_names.add(f"{first} {last}".lower())
        dob = date(1932, 1, 1) + timedelta(days=rng.randrange(span_days))
        phone = _unique(partial(ids.fr_phone if french else ids.us_phone, rng), seen_phones)
        ssn = mbi = nir = None
        if french:
            nir = _unique(partial(ids.nir, rng, female=female, year=dob.year, month=dob.month), seen_ids)
        else:
            ssn = _unique(partial(ids.ssn, rng), seen_ids)
            age = REFERENCE_DATE.year - dob.year
            if age > MEDICARE_AGE:
                mbi = _unique(partial(ids.mbi, rng), seen_ids)
        employer = None
        if not french and REFERENCE_DATE.year - dob.year < 67 and rng.random() < 0.85:
            employer = employers[working % len(employers)] if employers else None
            working += 1
        conditions = tuple(rng.sample(ids.ICD10_GENERAL, rng.choice((1, 1, 2))))
        email_user = ascii_fold(f"{first}.{last}".lower()).replace(" ", "").replace("'", "")
        people.append(
            Person(
                pid=f"P{i + 1:04d}",
                country="FR" if french else "US",
                first=first,
                last=last,
                female=female,
                dob=dob,
                ssn=ssn,
                mbi=mbi,
                nir=nir,
                street=(fake.street_address()).replace("\n", " "),
                city=fake.city(),
                state="" if french else fake_us.state_abbr(include_territories=False),
                postcode=fake.postcode(),
                phone=phone,
                email=f"{email_user}{rng.randint(1, 99)}@example.com",
                employer=employer,
                mrn=f"MC{rng.randint(1_000_000, 9_999_999)}",
                conditions=conditions,
                provider=rng.choice(providers),
            )
        )
    return Population(tuple(people), tuple(employers), providers)
