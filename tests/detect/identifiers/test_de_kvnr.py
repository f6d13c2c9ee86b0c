"""DE_KVNR: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.de.kvnr import IDENTIFIER, is_valid_kvnr
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["A123456780", "X110411675", "a123456780"]
BAD = ["A123456781", "1123456780", "A12345678"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_kvnr(v) for v in GOOD)
    assert not any(is_valid_kvnr(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["DE_KVNR"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Krankenversichertennummer: X110411675, AOK"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "DE_KVNR"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "DE_KVNR" not in {t for _, _, t in engine.spans("Artikel X110411675 im Lager")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["Versichertennummer"], rows, 1)]).detections
    assert found["DE_KVNR"].count == len(GOOD)
    assert not any(v in str(found["DE_KVNR"].masked_examples) for v in GOOD)
