"""The benchmark corpus: size, formats, ground truth consistent with the bytes, determinism."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from phiscope.synth import identifiers as ids
from phiscope.synth.corpus import build_text_corpus
from phiscope.synth.truth import GroundTruth


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    out = tmp_path_factory.mktemp("corpus") / "bench-bucket"
    return out, build_text_corpus(out, megabytes=4, seed=3, people=150)


def test_writes_at_least_the_requested_size_in_mixed_formats(corpus: tuple[Path, GroundTruth]) -> None:
    out, truth = corpus
    files = [p for p in out.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total >= 4_000_000 and total == truth.params["bytes"]
    assert len(files) == len(truth.files) == truth.params["files"]
    assert {f.bucket for f in truth.files} == {"bench-bucket"}
    assert len({f.kind for f in truth.files}) >= 3


def test_truth_matches_the_bytes(corpus: tuple[Path, GroundTruth]) -> None:
    out, truth = corpus
    listed = set(truth.sensitive_values["US_SSN"])
    for f in truth.files:
        data = (out / f.key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256
        if f.kind == "ndjson-fhir":
            lines = data.decode().splitlines()
            assert len(lines) == f.records
            assert all(json.loads(ln)["resourceType"] == "Patient" for ln in lines)
        if f.kind == "csv-headerless-semicolon":
            cells = [ln.split(";") for ln in data.decode().splitlines()]
            assert len(cells) == f.records == f.identifiers["US_SSN"]
            assert all(ids.is_valid_ssn(c[3]) and c[3] in listed for c in cells)
        if f.kind == "decoy-log":
            assert not f.contains_phi and f.decoys["INVALID_SSN_SHAPED"] > 0
    assert truth.people_total == len({p for f in truth.files for p in f.people}) <= 150


def test_truth_is_not_written_into_the_bucket(tmp_path: Path) -> None:
    out = tmp_path / "b"
    truth = build_text_corpus(out, megabytes=1, seed=1, people=50, truth_path=tmp_path / "truth.json")
    assert GroundTruth.load(tmp_path / "truth.json") == truth
    assert not list(out.rglob("*.json"))


def test_same_seed_same_corpus(tmp_path: Path) -> None:
    a = build_text_corpus(tmp_path / "a", megabytes=1, seed=5, people=50)
    b = build_text_corpus(tmp_path / "b", megabytes=1, seed=5, people=50)
    assert [(f.key, f.sha256) for f in a.files] == [(f.key, f.sha256) for f in b.files]
    with pytest.raises(ValueError):
        build_text_corpus(tmp_path / "c", megabytes=0)
