"""ES_NUSS: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.es.nuss import IDENTIFIER, is_valid_nuss
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["281234567840", "28/12345678/40", "080012345601"]
BAD = ["281234567841", "28123456784", "2812345678400"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_nuss(v) for v in GOOD)
    assert not any(is_valid_nuss(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["ES_NUSS"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Número de afiliación a la Seguridad Social: 28/12345678/40"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "ES_NUSS"]


def test_not_found_without_context(engine: DetectionEngine) -> None:
    assert "ES_NUSS" not in {t for _, _, t in engine.spans("Pedido 281234567840 enviado")}


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["NUSS"], rows, 1)]).detections
    assert found["ES_NUSS"].count == len(GOOD)
    assert not any(v in str(found["ES_NUSS"].masked_examples) for v in GOOD)
