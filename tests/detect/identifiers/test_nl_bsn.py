"""NL_BSN: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.nl.bsn import IDENTIFIER, is_valid_bsn
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["111222333", "123456782"]
BAD = ["123456789", "000000000", "11122233"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_bsn(v) for v in GOOD)
    assert not any(is_valid_bsn(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["NL_BSN"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Patiënt met BSN 123456782 opgenomen"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "NL_BSN"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "NL_BSN" not in {t for _, _, t in engine.spans("Order 123456782 shipped")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["burgerservicenummer"], rows, 1)]).detections
    assert found["NL_BSN"].count == len(GOOD)
    assert not any(v in str(found["NL_BSN"].masked_examples) for v in GOOD)
