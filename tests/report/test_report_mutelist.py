"""Mutelist semantics (table-driven), YAML loading errors, expiry, and marking a report in place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from phiscope.report.exitcode import exit_code
from phiscope.report.findings import iter_findings
from phiscope.report.mutelist import MutelistError, apply_mutelist, load_mutelist, parse_mutelist
from phiscope.report.sample import make_report

TODAY = date(2026, 11, 28)

WEBSITE = {
    "bucket": "medcall-website",
    "exposure": ["anonymous:read"],
    "reason": "intentionally public website",
    "owner": "web-team@example.org",
    "expires": date(2027, 6, 30),
}
FIXTURES = {
    "bucket": "medcall-*",
    "prefix": "tests/fixtures/",
    "types": ["US_SSN"],
    "reason": "synthetic test data",
}
ASSETS = {
    "bucket": "medcall-website",
    "prefix": "assets/",
    "types": ["US_SSN"],
    "exposure": ["anonymous:read"],
    "reason": "doc",
}


@pytest.mark.parametrize(
    ("rule", "entry", "query", "muted"),
    [
        (
            "bucket + exposure mutes that exposure",
            WEBSITE,
            {"bucket": "medcall-website", "exposure": "anonymous:read"},
            True,
        ),
        (
            "other exposure kind stays",
            WEBSITE,
            {"bucket": "medcall-website", "exposure": "anonymous:write"},
            False,
        ),
        ("other bucket stays", WEBSITE, {"bucket": "medcall-exports", "exposure": "anonymous:read"}, False),
        (
            "data in that bucket, readable the accepted way",
            WEBSITE,
            {
                "bucket": "medcall-website",
                "key": "index.html",
                "type": "EMAIL_ADDRESS",
                "exposure": "anonymous:read",
            },
            True,
        ),
        (
            "data muted only while readable the accepted way",
            WEBSITE,
            {
                "bucket": "medcall-website",
                "key": "index.html",
                "type": "EMAIL_ADDRESS",
                "exposure": "anonymous:write_acl",
            },
            False,
        ),
        (
            "bucket glob + prefix + type",
            FIXTURES,
            {"bucket": "medcall-x", "key": "tests/fixtures/a.csv", "type": "US_SSN"},
            True,
        ),
        (
            "prefix must match",
            FIXTURES,
            {"bucket": "medcall-x", "key": "prod/a.csv", "type": "US_SSN"},
            False,
        ),
        (
            "type must match",
            FIXTURES,
            {"bucket": "medcall-x", "key": "tests/fixtures/a.csv", "type": "US_MBI"},
            False,
        ),
        (
            "a prefix/type entry never mutes bucket exposure",
            FIXTURES,
            {"bucket": "medcall-x", "exposure": "anonymous:read"},
            False,
        ),
        (
            "all criteria ANDed: exposure missing",
            ASSETS,
            {"bucket": "medcall-website", "key": "assets/a", "type": "US_SSN"},
            False,
        ),
        (
            "all criteria ANDed: all met",
            ASSETS,
            {"bucket": "medcall-website", "key": "assets/a", "type": "US_SSN", "exposure": "anonymous:read"},
            True,
        ),
        (
            "bucket-only entry mutes everything in it",
            {"bucket": "b", "reason": "r"},
            {"bucket": "b", "exposure": "latent"},
            True,
        ),
        (
            "glob prefix",
            {"bucket": "b", "prefix": "*/tmp/*", "reason": "r"},
            {"bucket": "b", "key": "x/tmp/y"},
            True,
        ),
        (
            "glob type",
            {"bucket": "b", "types": ["US_*"], "reason": "r"},
            {"bucket": "b", "key": "k", "type": "US_SSN"},
            True,
        ),
        (
            "expired entry matches nothing",
            dict(WEBSITE, expires=date(2026, 1, 1)),
            {"bucket": "medcall-website", "exposure": "anonymous:read"},
            False,
        ),
        (
            "expiring today still applies",
            dict(WEBSITE, expires=TODAY),
            {"bucket": "medcall-website", "exposure": "anonymous:read"},
            True,
        ),
    ],
)
def test_match(rule: str, entry: dict, query: dict, muted: bool) -> None:
    ml = parse_mutelist({"mutelist": [entry]}, today=TODAY)
    assert (ml.match(**query) is not None) is muted, rule


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"mutelist": [{"reason": "x"}]}, "'bucket'"),
        ({"mutelist": [{"bucket": "b"}]}, "'reason' is required"),
        ({"mutelist": [{"bucket": "b", "reason": "r", "expires": "next year"}]}, "'expires'"),
        ({"mutelist": [{"bucket": "b", "reason": "r", "types": []}]}, "'types'"),
        ({"mutelist": [{"bucket": "b", "reason": "r", "buckett": "x"}]}, "unknown field(s) buckett"),
        ({"mutelist": ["b"]}, "must be a mapping"),
        (["b"], "expected a mapping"),
    ],
)
def test_parse_errors_name_the_entry(doc: object, message: str) -> None:
    with pytest.raises(MutelistError, match=r"entry #1|expected a mapping") as ei:
        parse_mutelist(doc, today=TODAY)
    assert message in str(ei.value)


def test_load_yaml_file(tmp_path: Path) -> None:
    p = tmp_path / "mute.yaml"
    p.write_text(
        """
mutelist:
  - bucket: "medcall-website"      # glob
    exposure: ["anonymous:read"]
    reason: "intentionally public website"
    owner: "web-team@example.org"
    expires: 2027-06-30
  - bucket: "old-*"
    reason: "legacy, migrated"
    expires: 2025-01-01
""",
        encoding="utf-8",
    )
    ml = load_mutelist(p, today=TODAY)
    e = ml.match("medcall-website", exposure="anonymous:read")
    assert e is not None and e.owner == "web-team@example.org" and e.expires == date(2027, 6, 30)
    assert ml.match("old-bucket", exposure="anonymous:read") is None
    [w] = ml.expired()
    assert "old-*" in w and "2025-01-01" in w
    bad = tmp_path / "bad.yaml"
    bad.write_text("mutelist:\n  - bucket: [unclosed\n", encoding="utf-8")
    with pytest.raises(MutelistError, match="invalid YAML at line"):
        load_mutelist(bad)
    with pytest.raises(MutelistError, match="cannot read"):
        load_mutelist(tmp_path / "missing.yaml")


def test_apply_marks_report_and_exit_code_ignores_muted() -> None:
    r = make_report(200)
    assert exit_code(r, "high") == 3
    exposed = [b for b in r["buckets"] if b["exposure_level"] in ("public", "authenticated")]
    entries = [
        {"bucket": b["name"], "reason": "accepted", "owner": "o", "expires": "2027-01-01"}
        for b in r["buckets"]
    ]
    entries.append({"bucket": "gone-*", "reason": "stale entry"})
    entries.append({"bucket": "x", "reason": "expired", "expires": "2020-01-01"})
    warnings = apply_mutelist(r, parse_mutelist({"mutelist": entries}, today=TODAY))
    assert any("gone-*" in w and "matched no finding" in w for w in warnings)
    assert any("expired on 2020-01-01" in w for w in warnings)
    for b in exposed:
        assert b["exposure"]["muted"] == {"reason": "accepted", "owner": "o", "expires": "2027-01-01"}
    for o in r["objects"]:
        for d in o["detections"]:
            assert d["muted"]["reason"] == "accepted"
    assert all(f.muted is not None for f in iter_findings(r))
    assert exit_code(r, "info") == 0


def test_partial_mute_keeps_other_findings() -> None:
    r = make_report(200)
    target = next(b for b in r["buckets"] if b["exposure_level"] == "public")
    kinds = [k for k, v in target["exposure"]["access"]["anonymous"].items() if v]
    ml = parse_mutelist(
        {"mutelist": [{"bucket": target["name"], "exposure": [f"anonymous:{kinds[0]}"], "reason": "r"}]}
    )
    apply_mutelist(r, ml)
    exp = target["exposure"]
    assert list(exp["muted_kinds"]) == [f"anonymous:{kinds[0]}"]
    assert ("muted" in exp) is (len(kinds) == 1)
    muted = [f for f in iter_findings(r) if f.muted]
    assert muted and all(f.bucket == target["name"] for f in muted)


@pytest.mark.parametrize(
    ("fail_on", "ignore", "code"),
    [("critical", False, 3), ("high", False, 3), ("info", False, 3), ("high", True, 0)],
)
def test_exit_code_thresholds(fail_on: str, ignore: bool, code: int) -> None:
    assert exit_code(make_report(100), fail_on, ignore) == code


def test_exit_code_zero_when_nothing_reaches_threshold() -> None:
    r = make_report(60, n_buckets=5)
    # keep only the private bucket (low at worst)
    private = {b["name"] for b in r["buckets"] if b["exposure_level"] == "none"}
    r["buckets"] = [b for b in r["buckets"] if b["name"] in private]
    r["objects"] = [o for o in r["objects"] if o["bucket"] in private]
    assert exit_code(r, "high") == 0
    assert exit_code(r, "medium") == 0
    assert exit_code(r, "low") == 3
    r["objects"] = []
    assert exit_code(r, "info") == 0


def test_exit_code_rejects_unknown_threshold() -> None:
    with pytest.raises(ValueError, match="--fail-on"):
        exit_code(make_report(5), "severe")
