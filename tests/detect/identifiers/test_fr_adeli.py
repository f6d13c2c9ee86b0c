"""FR_ADELI: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.fr.adeli import IDENTIFIER, is_valid_adeli
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["751234567", "971234567"]
BAD = ["001234567", "961234567", "75123456"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_adeli(v) for v in GOOD)
    assert not any(is_valid_adeli(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["FR_ADELI"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Infirmière, ADELI 751234567"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "FR_ADELI"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "FR_ADELI" not in {t for _, _, t in engine.spans("Ticket 751234567")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["N° ADELI"], rows, 1)]).detections
    assert found["FR_ADELI"].count == len(GOOD)
    assert not any(v in str(found["FR_ADELI"].masked_examples) for v in GOOD)
