"""BE_INSZ: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.be.insz import IDENTIFIER, is_valid_insz
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["85.07.30-033.28", "85073003328"]
BAD = ["85073003329", "85.13.30-033.28", "8507300332"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_insz(v) for v in GOOD)
    assert not any(is_valid_insz(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["BE_INSZ"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Rijksregisternummer 85073003328 van de patiënt"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "BE_INSZ"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "BE_INSZ" not in {t for _, _, t in engine.spans("Invoice 85073003328 paid")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["INSZ"], rows, 1)]).detections
    assert found["BE_INSZ"].count == len(GOOD)
    assert not any(v in str(found["BE_INSZ"].masked_examples) for v in GOOD)
