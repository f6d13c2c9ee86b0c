"""FR_RPPS: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.fr.rpps import IDENTIFIER, is_valid_rpps
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["10003456786", "10 0034 5678 6"]
BAD = ["10003456784", "20003456784", "1000345678"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_rpps(v) for v in GOOD)
    assert not any(is_valid_rpps(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["FR_RPPS"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Médecin traitant, n° RPPS 10003456786, cabinet"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "FR_RPPS"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "FR_RPPS" not in {t for _, _, t in engine.spans("Commande 10003456786 expédiée")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["numero RPPS"], rows, 1)]).detections
    assert found["FR_RPPS"].count == len(GOOD)
    assert not any(v in str(found["FR_RPPS"].masked_examples) for v in GOOD)
