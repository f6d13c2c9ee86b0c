"""AT_SVNR: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.at.svnr import IDENTIFIER, is_valid_svnr
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["1237 010180", "1237010180"]
BAD = ["1238010180", "0237010180", "123701018"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_svnr(v) for v in GOOD)
    assert not any(is_valid_svnr(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["AT_SVNR"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Sozialversicherungsnummer 1237 010180 laut e-card"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "AT_SVNR"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "AT_SVNR" not in {t for _, _, t in engine.spans("Bestellung 1237010180 versandt")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["SVNR"], rows, 1)]).detections
    assert found["AT_SVNR"].count == len(GOOD)
    assert not any(v in str(found["AT_SVNR"].masked_examples) for v in GOOD)
