"""Impact semantics: linking person records, severity, and the obligations they trigger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from phiscope.impact.people import compress_records, count_people
from phiscope.impact.regulations import ExposedSet, obligations
from phiscope.impact.severity import bucket_severity, exposure_level


def rec(bucket: str, *keys: str) -> tuple[str, frozenset[str]]:
    return bucket, frozenset(keys)


@pytest.mark.parametrize(
    ("records", "total", "strong", "by_bucket"),
    [
        ([], 0, 0, {}),
        ([rec("a", "US_SSN:1"), rec("a", "US_SSN:1")], 1, 1, {"a": 1}),  # same SSN twice: one person
        ([rec("a", "US_SSN:1"), rec("b", "US_SSN:2")], 2, 2, {"a": 1, "b": 1}),
        # SSN row + form with the same name/DOB + call with SSN only: one person across 3 buckets
        (
            [rec("a", "US_SSN:1", "NAME_DOB:x"), rec("b", "NAME_DOB:x"), rec("c", "US_SSN:1")],
            1,
            1,
            {"a": 1, "b": 1, "c": 1},
        ),
        # transitive: SSN<->MBI in one record, MBI<->NAME_DOB in another
        (
            [rec("a", "US_SSN:1", "US_MBI:m"), rec("a", "US_MBI:m", "NAME_DOB:y"), rec("a", "NAME_DOB:y")],
            1,
            1,
            {"a": 1},
        ),
        # known only by name + DOB: counted in the high end, not the low end
        ([rec("a", "US_SSN:1"), rec("a", "NAME_DOB:z")], 2, 1, {"a": 2}),
        ([rec("a")], 0, 0, {}),
        # same name + birth date, different SSNs: two people (issue 15), in any order
        ([rec("a", "US_SSN:1", "NAME_DOB:t"), rec("a", "US_SSN:2", "NAME_DOB:t")], 2, 2, {"a": 2}),
        (
            [rec("a", "NAME_DOB:t"), rec("a", "US_SSN:1", "NAME_DOB:t"), rec("b", "US_SSN:2", "NAME_DOB:t")],
            2,
            2,
            {"a": 1, "b": 1},
        ),
    ],
)
def test_count_people(records: list, total: int, strong: int, by_bucket: dict[str, int]) -> None:
    pc = count_people(records)
    assert (pc.total, pc.strong, pc.by_bucket) == (total, strong, by_bucket)
    assert pc.range == (strong, total)
    # compressing each bucket's records first (as the scan worker does) counts the same
    per_bucket: dict[str, list] = {}
    for b, keys in records:
        per_bucket.setdefault(b, []).append(keys)
    squeezed = [(b, frozenset(g)) for b, rs in per_bucket.items() for g in compress_records(rs)]
    assert count_people(squeezed).total == total


def _exp(anon: dict[str, bool] | None = None, anyacct: dict[str, bool] | None = None, latent=()) -> dict:
    caps = ("list", "read", "write", "read_acl", "write_acl")
    a = {c: False for c in caps} | (anon or {})
    b = {c: False for c in caps} | (anyacct or {})
    return {
        "public": any(a.values()) or any(b.values()),
        "access": {"anonymous": a, "any_aws_account": b},
        "latent": list(latent),
    }


@pytest.mark.parametrize(
    ("exposure", "level"),
    [
        (None, "none"),
        (_exp(), "none"),
        (_exp(latent=["public ACL blocked by IgnorePublicAcls"]), "latent"),
        (_exp(anyacct={"read": True}), "authenticated"),
        (_exp(anon={"list": True}), "public"),
    ],
)
def test_exposure_level(exposure: dict | None, level: str) -> None:
    assert exposure_level(exposure) == level


@pytest.mark.parametrize(
    ("exposure", "phi", "health", "people", "severity"),
    [
        (_exp(anon={"read": True}), True, True, 3, "critical"),  # public + PHI = critical
        (_exp(anon={"read": True}), True, False, 3, "critical"),  # public identity data (Medcall)
        (_exp(anyacct={"read": True}), True, False, 3, "high"),
        (_exp(anyacct={"read": True}), True, False, 600, "critical"),  # volume raises it
        (_exp(anon={"read": True}), False, False, 0, "medium"),
        (_exp(anon={"write": True}), False, False, 0, "high"),  # anyone can plant/delete data
        (_exp(anyacct={"read": True}), True, True, 1, "critical"),
        (_exp(), True, True, 1000, "low"),  # private: data is sensitive but not exposed
        (_exp(latent=["x"]), True, True, 1, "medium"),
        (None, False, False, 0, "info"),
    ],
)
def test_bucket_severity(exposure: dict | None, phi: bool, health: bool, people: int, severity: str) -> None:
    assert bucket_severity(exposure, contains_phi=phi, health=health, people=people) == severity


T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _set(**kw) -> ExposedSet:
    base = dict(
        bucket="b",
        region="us-east-1",
        public=True,
        people=10,
        types=frozenset({"US_SSN"}),
        health=True,
        contains_phi=True,
    )
    base.update(kw)
    return ExposedSet(**base)


def ids(obls: list[dict]) -> set[str]:
    return {o["id"] for o in obls}


def test_hipaa_500_or_more_notifies_hhs_and_media_within_60_days() -> None:
    out = obligations([_set(people=700)], people_total=700, discovered=T0)
    assert {"HIPAA-164.404", "HIPAA-164.408-HHS", "HIPAA-164.406-MEDIA"} <= ids(out)
    hhs = next(o for o in out if o["id"] == "HIPAA-164.408-HHS")
    assert hhs["deadline"].startswith("2027-01-27")


def test_hipaa_under_500_goes_to_the_annual_log() -> None:
    out = obligations([_set(people=20)], people_total=20, discovered=T0)
    assert "HIPAA-164.408-LOG" in ids(out) and "HIPAA-164.408-HHS" not in ids(out)
    log = next(o for o in out if o["id"] == "HIPAA-164.408-LOG")
    assert log["deadline"].startswith("2027-03-01")  # 60 days after Dec 31


def test_gdpr_72_hours_for_french_identifiers() -> None:
    out = obligations([_set(types=frozenset({"FR_NIR"}), region="eu-west-3")], people_total=5, discovered=T0)
    assert {"GDPR-ART33", "GDPR-ART34"} <= ids(out)
    art33 = next(o for o in out if o["id"] == "GDPR-ART33")
    assert art33["deadline"].startswith("2026-12-01T12:00")
    assert not any(o["regulation"] == "HIPAA" for o in out)


def test_no_obligation_without_personal_data() -> None:
    assert obligations([_set(contains_phi=False)], people_total=0, discovered=T0) == []


def test_hds_flags_french_health_data_outside_the_eea_even_if_private() -> None:
    fr = _set(types=frozenset({"FR_NIR"}), region="us-east-1", public=False)
    out = obligations([], people_total=0, discovered=T0, all_buckets=[fr])
    assert ids(out) == {"HDS-V2-EEA"}
    assert (
        obligations(
            [],
            people_total=0,
            discovered=T0,
            all_buckets=[_set(types=frozenset({"FR_NIR"}), region="eu-west-3")],
        )
        == []
    )


@pytest.mark.parametrize(
    "records",
    [
        [
            rec("a", "US_SSN:1", "NAME_DOB:x"),
            rec("a", "NAME_DOB:x"),
            rec("a", "US_SSN:2"),
            rec("a", "US_SSN:1"),
        ],
        [rec("a", "US_SSN:1", "US_MBI:m"), rec("a", "US_MBI:m", "NAME_DOB:y"), rec("a", "NAME_DOB:z")],
        [rec("a", f"US_SSN:{i % 7}", f"NAME_DOB:{i % 5}") for i in range(40)],
    ],
)
def test_compressing_an_objects_records_changes_no_count(records: list) -> None:
    other = [rec("b", "US_SSN:1"), rec("b", "NAME_DOB:z"), rec("b", "US_SSN:99")]
    merged = [("a", keys) for keys in compress_records(keys for _, keys in records)]
    assert len(merged) <= len(records)
    before, after = count_people(records + other), count_people(merged + other)
    assert (before.total, before.strong, before.by_bucket) == (after.total, after.strong, after.by_bucket)
