"""Flattening a report into findings: exposure kinds, data reach, severities, stable ids."""

from __future__ import annotations

import copy

import pytest

from phiscope.report.findings import (
    data_exposure_kind,
    exposure_findings,
    exposure_kinds,
    iter_findings,
    location_text,
    stable_uid,
)
from phiscope.report.sample import _access, make_report


def _exp(**caps: list[str]) -> dict:
    return {"access": _access(**caps), "latent": [], "reasons": []}


@pytest.mark.parametrize(
    ("rule", "exposure", "kinds"),
    [
        ("nothing granted", _exp(), []),
        (
            "anonymous read implies any account read: widest audience only",
            _exp(anonymous=["read"]),
            ["anonymous:read"],
        ),
        (
            "authenticated only",
            _exp(any_aws_account=["list", "read"]),
            ["any_aws_account:list", "any_aws_account:read"],
        ),
        (
            "mixed audiences per capability",
            _exp(anonymous=["list"], any_aws_account=["read", "write"]),
            ["anonymous:list", "any_aws_account:read", "any_aws_account:write"],
        ),
        ("ACL escalation", _exp(anonymous=["write_acl"]), ["anonymous:write_acl"]),
        ("no exposure object", None, []),
    ],
)
def test_exposure_kinds(rule: str, exposure: dict | None, kinds: list[str]) -> None:
    assert exposure_kinds(exposure) == kinds, rule


@pytest.mark.parametrize(
    ("exposure", "kind"),
    [
        (_exp(), "private"),
        (_exp(anonymous=["list"]), "anonymous:list"),
        (_exp(anonymous=["list", "read"]), "anonymous:read"),
        (_exp(anonymous=["write_acl"]), "anonymous:write_acl"),
        (_exp(any_aws_account=["read"]), "any_aws_account:read"),
        (_exp(anonymous=["list"], any_aws_account=["read"]), "anonymous:list"),
        (None, "private"),
    ],
)
def test_data_exposure_kind(exposure: dict | None, kind: str) -> None:
    assert data_exposure_kind(exposure) == kind


def _bucket(exposure: dict, severity: str = "medium", **kw: object) -> dict:
    return {
        "name": "b1",
        "exposure": exposure,
        "severity": severity,
        "contains_phi": False,
        "health": False,
        **kw,
    }


@pytest.mark.parametrize(
    ("rule", "bucket", "expected"),
    [
        (
            "write_acl is always critical (escalation)",
            _bucket(_exp(anonymous=["write_acl"]), "medium"),
            {"anonymous:write_acl": "critical"},
        ),
        ("write at least high", _bucket(_exp(anonymous=["write"]), "medium"), {"anonymous:write": "high"}),
        (
            "read follows bucket severity",
            _bucket(_exp(anonymous=["read"]), "critical"),
            {"anonymous:read": "critical"},
        ),
        (
            "latent gets its own finding",
            _bucket({"access": _access(), "latent": ["blocked by BPA"], "reasons": []}, "info"),
            {"latent": "info"},
        ),
        (
            "unreadable settings are never private",
            _bucket(_exp(), "info", exposure_errors=["GetBucketPolicy: AccessDenied"], contains_phi=True),
            {"unverified": "medium"},
        ),
    ],
)
def test_exposure_finding_severity(rule: str, bucket: dict, expected: dict[str, str]) -> None:
    got = {f.kind: f.severity for f in exposure_findings(bucket)}
    assert got == expected, rule


def test_data_findings_one_per_object_and_type_and_ids_are_stable() -> None:
    r = make_report(120)
    data = [f for f in iter_findings(r) if f.family == "data"]
    assert len(data) == sum(len(o["detections"]) for o in r["objects"])
    assert len({f.uid for f in data}) == len(data)
    # ids depend on what the finding is about, not on when it was found
    r2 = copy.deepcopy(r)
    r2["scan"]["id"] = "another-scan"
    r2["scan"]["started_at"] = "2030-01-01T00:00:00+00:00"
    assert [f.uid for f in iter_findings(r2)] == [f.uid for f in iter_findings(r)]
    assert stable_uid("data", "b", "k", "US_SSN") != stable_uid("data", "b", "k", "US_MBI")


def test_data_severity_uses_exposure_times_sensitivity() -> None:
    r = make_report(300)
    by_bucket = {b["name"]: b for b in r["buckets"]}
    for f in iter_findings(r, exposure=False):
        lvl = by_bucket[f.bucket]["exposure_level"]
        if lvl == "none":
            assert f.severity in ("info", "low"), f
        if lvl == "public" and f.category == "identity" and f.obj and f.obj["health"]:
            assert f.severity == "critical", f


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        ({"row": 812, "column": "ssn"}, "row 812, column ssn"),
        ({"page": 2, "field": "Social Security No."}, "page 2, field 'Social Security No.'"),
        ({"start_s": 3.2, "end_s": 66.9}, "0:03.2-1:06.9"),
        ({"member": "a.zip!/b.csv", "row": 1, "column_index": 0}, "in a.zip!/b.csv, row 1, column #1"),
        ({"json_path": "$.entry[3].name"}, "$.entry[3].name"),
        ({"offset": 42}, "byte 42"),
        ({}, ""),
    ],
)
def test_location_text(loc: dict, text: str) -> None:
    assert location_text(loc) == text
