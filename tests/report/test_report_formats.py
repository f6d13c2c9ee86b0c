"""OCSF and SARIF validate against their published schemas; CSV is one row per (object, type)."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from phiscope.report.csvout import COLUMNS, safe_cell, to_csv
from phiscope.report.ocsf import occurrence, to_ocsf
from phiscope.report.sample import make_report
from phiscope.report.sarif import to_sarif

SCHEMAS = Path(__file__).parent / "schemas"


@cache
def _validator(name: str) -> Any:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _ocsf_validator(class_uid: int) -> Any:
    name = {2004: "detection_finding", 2006: "data_security_finding"}[class_uid]
    return _validator(f"ocsf-1.5.0-{name}.json")


def _errors(v: Any, doc: Any) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in v.iter_errors(doc)]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    r = make_report(400)
    # hostile and awkward keys must survive every format
    o = r["objects"][0]
    o["key"] = 'a "quoted",key;with\nnewline <img src=x onerror=alert(1)>.csv'
    o["status"] = "complete"
    o["detections"] = [
        {
            "type": "US_SSN",
            "category": "identity",
            "count": 2,
            "confidence": 0.97,
            "locations": [
                {"sheet": "Patients", "row": 3, "column": "ssn", "column_index": 1},
                {"start_s": 1.5, "end_s": 2.0},
            ],
            "masked_examples": ["=***-**-6789"],
        }
    ]
    return r


def test_ocsf_events_validate_against_ocsf_1_5_0(report: dict[str, Any]) -> None:
    events = to_ocsf(report)
    classes = {e["class_uid"] for e in events}
    assert classes == {2004, 2006}
    for ev in events:
        errs = _errors(_ocsf_validator(ev["class_uid"]), ev)
        assert not errs, (ev["finding_info"]["title"], errs[:5])


@pytest.mark.parametrize("provider", ["aws", "local"])
def test_ocsf_provider_and_account_validate(report: dict[str, Any], provider: str) -> None:
    """The account id (STS) and a local provider (file:// ids, no ARN) are valid OCSF too."""
    import copy

    r = copy.deepcopy(report)
    for b in r["buckets"]:
        b["provider"] = provider
        b["endpoint"] = "file:///data/export" if provider == "local" else None
        b["account_id"] = "111122223333" if provider == "aws" else None
    events = to_ocsf(r)
    for ev in events:
        errs = _errors(_ocsf_validator(ev["class_uid"]), ev)
        assert not errs, (ev["finding_info"]["title"], errs[:5])
    text = json.dumps(events)
    if provider == "local":
        assert "arn:aws" not in text and {e["cloud"]["provider"] for e in events} == {"Local"}
    else:
        assert {e["cloud"]["account"]["uid"] for e in events} == {"111122223333"}


def test_ocsf_schema_is_strict_enough_to_catch_mistakes(report: dict[str, Any]) -> None:
    ev = next(e for e in to_ocsf(report) if e["class_uid"] == 2006)
    v = _ocsf_validator(2006)
    for broken in (
        dict(ev, not_an_ocsf_field=1),
        dict(ev, severity_id=42),
        {k: x for k, x in ev.items() if k != "finding_info"},
        dict(ev, databucket=dict(ev["databucket"], is_public="yes")),
    ):
        assert _errors(v, broken)


def test_ocsf_data_security_content(report: dict[str, Any]) -> None:
    events = to_ocsf(report)
    by_bucket = {b["name"]: b for b in report["buckets"]}
    data = [e for e in events if e["class_uid"] == 2006]
    assert len(data) == sum(len(o["detections"]) for o in report["objects"])
    for e in data:
        ds = e["data_security"]
        assert ds["detection_system"] == "Data Discovery & Classification" and ds["detection_system_id"] == 4
        assert ds["data_lifecycle_state_id"] == 1 and ds["category_id"] in (1, 3, 99)
        b = by_bucket[e["databucket"]["name"]]
        assert e["databucket"]["is_public"] is (b["exposure_level"] == "public")
        assert e["type_uid"] == 200601 and e["category_uid"] == 2
        assert isinstance(e["unmapped"]["compliance"], dict)
    first = next(e for e in data if e["file"]["path"].startswith('a "quoted"'))
    occ = first["data_security"]["discovery_details"][0]["occurrences"]
    assert occ == [{"row_number": 3, "column_name": "ssn", "column_number": 2, "cell_name": "Patients!B3"}]
    # the audio time OCSF has no field for is kept in unmapped.locations
    assert {"start_s": 1.5, "end_s": 2.0} in first["unmapped"]["locations"]
    exposure = [e for e in events if e["class_uid"] == 2004]
    assert exposure and all(e["type_uid"] == 200401 for e in exposure)
    public = [e for e in exposure if e["metadata"]["event_code"] == "anonymous:read"]
    assert public and all("HIPAA" in e["unmapped"]["compliance"] for e in public)


@pytest.mark.parametrize(
    ("loc", "occ"),
    [
        ({"row": 812, "column": "ssn"}, {"row_number": 812, "column_name": "ssn"}),
        ({"page": 2, "line": 14}, {"page_number": 2, "start_line": 14, "end_line": 14}),
        ({"json_path": "$.a[0]"}, {"json_path": "$.a[0]"}),
        ({"start_s": 1.0, "end_s": 2.0}, None),
        (
            {"sheet": "S", "row": 1, "column_index": 27},
            {"row_number": 1, "column_number": 28, "cell_name": "S!AB1"},
        ),
    ],
)
def test_ocsf_occurrence_mapping(loc: dict[str, Any], occ: dict[str, Any] | None) -> None:
    assert occurrence(loc) == occ


def test_sarif_validates_against_sarif_2_1_0(report: dict[str, Any]) -> None:
    log = to_sarif(report)
    errs = _errors(_validator("sarif-schema-2.1.0-errata01.json"), log)
    assert not errs, errs[:5]


def test_sarif_rules_and_locations(report: dict[str, Any]) -> None:
    run = to_sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    types = {d["type"] for o in report["objects"] for d in o["detections"]}
    assert {f"data/{t}" for t in types} <= set(ids)
    assert "exposure/anonymous/read" in ids
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        for loc in res["locations"]:
            assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("s3://")
    r0 = next(
        r
        for r in run["results"]
        if r["ruleId"] == "data/US_SSN"
        and "quoted" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    )
    assert r0["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert (
        r0["locations"][0]["physicalLocation"]["region"]["message"]["text"]
        == "sheet Patients, row 3, column ssn"
    )
    # an audio time range has no line: no region, the details in the location's property bag
    assert "region" not in r0["locations"][1]["physicalLocation"]
    assert r0["locations"][1]["properties"] == {"start_s": 1.5, "end_s": 2.0}
    assert r0["partialFingerprints"]["phiscopeFindingId/v1"]
    for res in run["results"]:
        assert res["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
        assert len(res["locations"]) <= 10
        for loc in res["locations"]:
            assert "startLine" in loc["physicalLocation"].get("region", {"startLine": 1})


def test_sarif_muted_results_are_suppressed(report: dict[str, Any]) -> None:
    import copy

    r = copy.deepcopy(report)
    r["objects"][0]["detections"][0]["muted"] = {"reason": "fixture", "owner": "qa", "expires": None}
    res = [x for x in to_sarif(r)["runs"][0]["results"] if x.get("suppressions")]
    assert len(res) == 1 and res[0]["suppressions"][0]["kind"] == "external"
    assert not _errors(_validator("sarif-schema-2.1.0-errata01.json"), to_sarif(r))


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_one_row_per_object_and_type(report: dict[str, Any], delimiter: str) -> None:
    text = to_csv(report, delimiter=delimiter)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert tuple(rows[0]) == COLUMNS
    every = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    body = [r for r in every if r["family"] == "data"]
    assert len(body) == sum(len(o["detections"]) for o in report["objects"])
    # the bucket exposure findings are rows too (issue 22), before the data rows
    exposure = [r for r in every if r["family"] == "exposure"]
    assert exposure and every[: len(exposure)] == exposure
    assert any(r["type"] == "anonymous:read" and r["locations"] for r in exposure)
    hostile = [r for r in body if r["key"].startswith('a "quoted"')]
    assert len(hostile) == 1
    assert hostile[0]["key"] == report["objects"][0]["key"]  # quoting round-trips ; , " and newlines
    assert hostile[0]["masked_examples"] == "'=***-**-6789"  # formula injection neutralised
    assert hostile[0]["count"] == "2" and hostile[0]["locations"].startswith("sheet Patients, row 3")


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+x", "'+x"), ("-2", "'-2"), ("@a", "'@a"), ("ok", "ok"), (None, "")],
)
def test_csv_safe_cell(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_rejects_bad_delimiter(report: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        to_csv(report, delimiter=";;")
