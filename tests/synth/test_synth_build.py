"""The telehealth build (text and PDF parts): ground truth matches the bytes, determinism, decoys."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from phiscope.synth import identifiers as ids
from phiscope.synth.telehealth import BUCKETS, EXPORTS, FORMS, WEBSITE, build, build_small
from phiscope.synth.truth import PERSON_VALUE_TYPES, GroundTruth


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    root = tmp_path_factory.mktemp("small") / "buckets"
    return root, build_small(root)


def _files_on_disk(root: Path) -> dict[tuple[str, str], str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel = p.relative_to(root)
            out[(rel.parts[0], "/".join(rel.parts[1:]))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_truth_is_written_outside_the_buckets_and_reloads(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    path = root.parent / "ground-truth.json"
    assert path.is_file()
    assert GroundTruth.load(path) == truth
    assert json.loads(path.read_text("utf-8"))["schema"] == "phiscope/synth-truth/v1"
    assert not list(root.rglob("ground-truth.json"))


def test_truth_lists_exactly_the_files_written(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    on_disk = _files_on_disk(root)
    assert on_disk == {(f.bucket, f.key): f.sha256 for f in truth.files}
    assert {b for b, _ in on_disk} == set(truth.buckets)
    assert set(truth.buckets) <= set(BUCKETS)
    assert all(f.size == (root / f.bucket / f.key).stat().st_size for f in truth.files)


def test_people_counts_are_unions_with_overlap(small: tuple[Path, GroundTruth]) -> None:
    _, truth = small
    everyone = {pid for f in truth.files for pid in f.people}
    assert truth.people_total == len(everyone) == 30
    for bucket, n in truth.people_by_bucket.items():
        assert n == len({pid for f in truth.files if f.bucket == bucket for pid in f.people})
    # People appear in more than one file on purpose: a CSV and a form, two exports.
    in_forms = {pid for f in truth.files if f.bucket == FORMS for pid in f.people}
    in_csv = {pid for f in truth.files if f.kind.startswith("csv") for pid in f.people}
    assert in_forms & in_csv
    assert sum(len(f.people) for f in truth.files) > truth.people_total
    assert truth.people_by_bucket[WEBSITE] == 0
    assert truth.employers_total == len({e for f in truth.files for e in f.employers}) >= 2


def test_contains_phi_follows_people(small: tuple[Path, GroundTruth]) -> None:
    _, truth = small
    for f in truth.files:
        assert f.contains_phi == bool(f.people), f.key
        assert f.contains_phi == (f.records > 0)
    not_phi = {f.key for f in truth.files if not f.contains_phi and f.bucket != WEBSITE}
    assert not_phi == {"README.txt", "reference/icd10_codes.csv", "workers-comp/blank-template.pdf"}


def test_patients_csv_holds_the_values_the_truth_lists(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    f = truth.file(EXPORTS, "exports/patients_2024-03.csv")
    rows = list(csv.DictReader(io.StringIO((root / EXPORTS / f.key).read_text("utf-8"))))
    assert len(rows) == f.records == len(f.people)
    ssns = [r["ssn"] for r in rows]
    assert len(ssns) == f.identifiers["US_SSN"]
    assert all(ids.is_valid_ssn(s) for s in ssns)
    assert set(ssns) <= set(truth.sensitive_values["US_SSN"])
    mbis = [r["mbi"] for r in rows if r["mbi"]]
    assert len(mbis) == f.identifiers.get("US_MBI", 0)
    assert all(ids.is_valid_mbi(m) for m in mbis)
    assert all(ids.is_valid_npi(r["provider_npi"]) for r in rows)
    assert all(r["icd10_code"] in ids.ICD10_BY_CODE for r in rows)
    assert {f"{r['first_name']} {r['last_name']}" for r in rows} <= set(truth.sensitive_values["PERSON_NAME"])
    assert {r["email"] for r in rows} <= set(truth.sensitive_values["EMAIL"])
    assert all(r["email"].endswith("@example.com") for r in rows)


def test_semicolon_dump_has_no_header_and_valid_ssns(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    f = truth.file(EXPORTS, "legacy/patient_dump_2019.txt")
    lines = (root / EXPORTS / f.key).read_text("utf-8").splitlines()
    assert len(lines) == f.records
    cells = [ln.split(";") for ln in lines]
    assert all(len(c) == 7 for c in cells)
    assert all(ids.is_valid_ssn(c[3]) for c in cells)  # first line is data, not a header
    assert {c[3] for c in cells} <= set(truth.sensitive_values["US_SSN"])


def test_hl7_uses_carriage_returns_and_carries_pid(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    f = truth.file(EXPORTS, "hl7/adt_a04_20240315.hl7")
    msgs = (root / EXPORTS / f.key).read_bytes().decode("utf-8").split("\n")
    assert len(msgs) == f.records
    for m in msgs:
        segs = m.rstrip("\r").split("\r")
        assert [s[:3] for s in segs] == ["MSH", "EVN", "PID", "PV1", "DG1"]
        pid = segs[2].split("|")
        assert ids.is_valid_ssn(pid[19]) and pid[19] in truth.sensitive_values["US_SSN"]
        assert pid[7].isdigit() and len(pid[7]) == 8


def test_fhir_patients_hold_nir_for_french_patients(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    f = truth.file(EXPORTS, "fhir/Patient.ndjson")
    resources = [json.loads(ln) for ln in (root / EXPORTS / f.key).read_text("utf-8").splitlines()]
    assert len(resources) == f.records and all(r["resourceType"] == "Patient" for r in resources)
    nirs = [
        i["value"] for r in resources for i in r["identifier"] if i["system"].startswith("urn:oid:1.2.250")
    ]
    assert nirs and len(nirs) == f.identifiers["FR_NIR"]
    assert all(ids.is_valid_nir(n) for n in nirs)


def test_acroform_values_live_only_in_fields(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    forms = [f for f in truth.files if f.kind == "pdf-acroform"]
    assert forms
    for f in forms:
        reader = PdfReader(root / f.bucket / f.key)
        page_text = reader.pages[0].extract_text()
        assert "Social Security No." in page_text and "Employee full name" in page_text
        fields = {k: str(v.get("/V", "")) for k, v in (reader.get_fields() or {}).items()}
        values = [v for k, v in fields.items() if k != "LostTime" and v]
        assert len(values) == 12
        for v in values:
            assert v not in page_text, f"{f.key}: value printed in the page"
        assert ids.is_valid_ssn(fields["SSN"]) and fields["SSN"] in truth.sensitive_values["US_SSN"]
        assert fields["EmployeeName"] in truth.sensitive_values["PERSON_NAME"]
        assert ids.is_valid_npi(fields["ProviderNPI"])
        assert fields["EmployerName"] in f.employers
        assert f.identifiers["US_SSN"] == 1 and f.identifiers["PERSON_NAME"] == 1


def test_blank_template_has_empty_fields(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    f = truth.file(FORMS, "workers-comp/blank-template.pdf")
    reader = PdfReader(root / FORMS / f.key)
    fields = reader.get_fields() or {}
    assert len(fields) == 13
    assert all(not v.get("/V") or v.get("/V") == "/Off" for v in fields.values())
    assert not f.contains_phi and not f.identifiers


def test_flat_reports_print_their_values(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    reports = [f for f in truth.files if f.kind == "pdf-text"]
    assert any("compte-rendu" in f.key for f in reports)
    names = set(truth.sensitive_values["PERSON_NAME"])
    for f in reports:
        reader = PdfReader(root / f.bucket / f.key)
        text = reader.pages[0].extract_text()
        assert not reader.get_fields()
        assert any(n in text for n in names), f.key
    fr = next(f for f in reports if "compte-rendu" in f.key)
    text = PdfReader(root / FORMS / fr.key).pages[0].extract_text()
    nir = re.search(r"sécurité sociale : ([0-9AB ]{21})", text)
    assert nir and ids.is_valid_nir(nir.group(1)) and nir.group(1) in truth.sensitive_values["FR_NIR"]


SSN_SHAPE = re.compile(rb"\b\d{3}-\d{2}-\d{4}\b")


def test_website_decoys_hold_no_valid_ssn_and_no_person_value(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    web = [f for f in truth.files if f.bucket == WEBSITE]
    assert web and not any(f.contains_phi for f in web)
    shaped = 0
    values = [v.encode() for v in truth.all_sensitive_values() if len(v) >= 6]
    for f in web:
        data = (root / WEBSITE / f.key).read_bytes()
        for m in SSN_SHAPE.findall(data):
            shaped += 1
            assert not ids.is_valid_ssn(m.decode()), f"{f.key}: valid SSN {m!r}"
        assert not any(v in data for v in values), f.key
        assert b"@" not in data  # no e-mail addresses at all
    assert shaped == sum(f.decoys.get("INVALID_SSN_SHAPED", 0) for f in web) > 0


def test_sensitive_values_cover_the_person_types(small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    assert set(truth.sensitive_values) == set(PERSON_VALUE_TYPES)
    blob = b"".join((root / f.bucket / f.key).read_bytes() for f in truth.files if f.kind != "pdf-acroform")
    for t in ("US_SSN", "US_MBI", "FR_NIR", "EMAIL", "MEDICAL_RECORD_NUMBER"):
        assert truth.sensitive_values[t], t
    for ssn in truth.sensitive_values["US_SSN"]:
        assert ssn.encode() in blob
    # Counted identifiers and listed values agree: every SSN written is listed, and vice versa.
    assert sum(f.identifiers.get("US_SSN", 0) for f in truth.files) >= len(truth.sensitive_values["US_SSN"])


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, small: tuple[Path, GroundTruth]) -> None:
    root, truth = small
    again = build_small(tmp_path / "again" / "buckets")
    assert _files_on_disk(tmp_path / "again" / "buckets") == _files_on_disk(root)
    assert again.to_dict() == truth.to_dict()
    assert (tmp_path / "again" / "ground-truth.json").read_bytes() == (
        root.parent / "ground-truth.json"
    ).read_bytes()
    other = build_small(tmp_path / "other" / "buckets", seed=8)
    assert set(other.sensitive_values["US_SSN"]).isdisjoint(truth.sensitive_values["US_SSN"])


def test_refuses_a_non_empty_folder_unless_told(tmp_path: Path) -> None:
    out = tmp_path / "buckets"
    (out / "stale").mkdir(parents=True)
    (out / "stale" / "old.csv").write_text("x", "utf-8")
    with pytest.raises(FileExistsError):
        build_small(out)
    truth = build(out, people=10, employers=2, calls=0, scans=0, audio=False, images=False, overwrite=True)
    assert not (out / "stale").exists()
    assert truth.people_total == 10
    with pytest.raises(ValueError, match="at least 10"):
        build(tmp_path / "tiny", people=3)


def test_truth_path_can_be_chosen(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "truth.json"
    truth = build_small(tmp_path / "b", truth_path=target)
    assert GroundTruth.load(target) == truth
    assert not (tmp_path / "ground-truth.json").exists()
    assert truth.skipped == []  # build_small switches media off via calls=0, scans=0


def test_every_person_record_carries_a_strong_identifier(small: tuple[Path, GroundTruth]) -> None:
    """So a scanner can link records of one person (SSN, MBI or NIR), not only by name and birth date."""
    _, truth = small
    for f in truth.files:
        strong = sum(f.identifiers.get(t, 0) for t in ("US_SSN", "US_MBI", "FR_NIR"))
        assert strong >= f.records, f.key
        if f.records:
            assert f.identifiers["PERSON_NAME"] == f.identifiers["DATE_OF_BIRTH"] == f.records, f.key
