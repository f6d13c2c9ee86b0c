"""Which notification rules a finding triggers, what they require, and by when.

Rules are data (RULES) plus one pure function; the deadlines count from discovery (the scan's
start), which is what HIPAA §164.404(a)(2) and GDPR Art. 33(1) count from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from phiscope.detect import registry

# Regions of the European Economic Area across the providers we read (AWS, OVH, Scaleway).
EEA_REGION_PREFIXES = ("eu-", "gra", "sbg", "rbx", "waw", "fr-par", "nl-ams", "pl-waw", "de", "eu-west")
# EU/EEA members' codes as identifiers declare them (detect/identifiers/<country>/)
EEA_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "EU",
    }
)
# contact details and test values name no regulation on their own (phones, ZIP codes, 9xx SSNs)
_NOT_RULED = ("contact", "test")
EU_TYPES = registry.in_jurisdiction(*EEA_COUNTRIES, exclude_categories=_NOT_RULED)
UK_TYPES = registry.in_jurisdiction("GB", exclude_categories=_NOT_RULED)
US_TYPES = registry.in_jurisdiction("US", exclude_categories=_NOT_RULED)
# French patient identities (hosting them needs an HDS-certified host): FR types that key a person
FR_HEALTH_TYPES = frozenset(t for t in registry.in_jurisdiction("FR") if t in registry.PERSON_KEY_TYPES)


@dataclass(frozen=True, slots=True)
class ExposedSet:
    """What one exposed bucket holds, as far as the rules care."""

    bucket: str
    region: str | None
    public: bool
    people: int
    types: frozenset[str]
    health: bool
    contains_phi: bool


def _in_eea(region: str | None) -> bool | None:
    if not region:
        return None
    return region.lower().startswith(EEA_REGION_PREFIXES)


def obligations(
    exposed: Iterable[ExposedSet],
    *,
    people_total: int,
    discovered: datetime,
    all_buckets: Iterable[ExposedSet] = (),
) -> list[dict[str, Any]]:
    """The obligations triggered by exposed buckets holding personal/health data."""
    exposed = [e for e in exposed if e.contains_phi]
    out: list[dict[str, Any]] = []

    def add(rid: str, reg: str, title: str, why: str, days: float | None, notify: list[str]) -> None:
        deadline = (
            (discovered + timedelta(days=days)).isoformat(timespec="minutes") if days is not None else None
        )
        out.append(
            {
                "id": rid,
                "regulation": reg,
                "title": title,
                "applies": True,
                "why": why,
                "deadline_days": round(days) if days is not None else None,
                "deadline": deadline,
                "notify": notify,
            }
        )

    phi_us = [e for e in exposed if e.health and (e.types & US_TYPES or not e.types & (EU_TYPES | UK_TYPES))]
    if phi_us:
        n = sum(e.people for e in phi_us)
        names = ", ".join(sorted(e.bucket for e in phi_us))
        add(
            "HIPAA-164.404",
            "HIPAA",
            "Notify each affected individual",
            f"unsecured PHI of ~{n} people reachable from outside in {names}",
            60,
            ["individuals"],
        )
        if people_total >= 500:
            add(
                "HIPAA-164.408-HHS",
                "HIPAA",
                "Notify the HHS Secretary (breach of 500 or more)",
                f"{people_total} people affected (≥ 500)",
                60,
                ["HHS"],
            )
            add(
                "HIPAA-164.406-MEDIA",
                "HIPAA",
                "Notify prominent media outlets (≥ 500 residents of a State or jurisdiction)",
                f"{people_total} people affected; applies per State with ≥ 500 residents",
                60,
                ["media"],
            )
        else:
            # 60 days after the end of the calendar year of discovery (§164.408(c))
            year_end = datetime(discovered.year + 1, 1, 1, tzinfo=discovered.tzinfo)
            add(
                "HIPAA-164.408-LOG",
                "HIPAA",
                "Log the breach and report it to HHS within 60 days of the end of the calendar year",
                f"{people_total} people affected (< 500)",
                (year_end - discovered).total_seconds() / 86400 + 59,
                ["HHS"],
            )
    eu = [e for e in exposed if e.types & EU_TYPES or _in_eea(e.region)]
    if eu:
        names = ", ".join(sorted(e.bucket for e in eu))
        add(
            "GDPR-ART33",
            "GDPR",
            "Notify the supervisory authority within 72 hours of awareness",
            f"personal data of EU data subjects exposed in {names}",
            3,
            ["supervisory authority (e.g. CNIL)"],
        )
        if any(e.health or e.public for e in eu):
            add(
                "GDPR-ART34",
                "GDPR",
                "Inform data subjects without undue delay (high risk: health data or public exposure)",
                "health data or data readable by anyone",
                None,
                ["data subjects"],
            )
    uk = [e for e in exposed if e.types & UK_TYPES]
    if uk:
        add(
            "UK-GDPR-ART33",
            "UK GDPR",
            "Notify the ICO within 72 hours of awareness",
            "NHS numbers exposed",
            3,
            ["ICO"],
        )
    # HDS applies to hosting French health data at all, exposed or not.
    for e in all_buckets:
        if e.types & FR_HEALTH_TYPES and e.health and _in_eea(e.region) is False:
            add(
                "HDS-V2-EEA",
                "HDS",
                "French health data must be hosted by an HDS-certified host inside the EEA (HDS v2)",
                f"bucket {e.bucket} holds French health identifiers in region {e.region}",
                None,
                ["hosting provider", "DPO"],
            )
    return out
