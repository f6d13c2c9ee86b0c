"""FR_FINESS: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.fr.finess import IDENTIFIER, is_valid_finess
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["750712184", "2A0000123"]
BAD = ["000712184", "96071218", "7507121845"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_finess(v) for v in GOOD)
    assert not any(is_valid_finess(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["FR_FINESS"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Établissement FINESS 750712184 (AP-HP)"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "FR_FINESS"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "FR_FINESS" not in {t for _, _, t in engine.spans("Lot 750712184")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["finess_et"], rows, 1)]).detections
    assert found["FR_FINESS"].count == len(GOOD)
    assert not any(v in str(found["FR_FINESS"].masked_examples) for v in GOOD)
