"""IT_CF: its check, its context rule in text, and a column its header names."""

from __future__ import annotations

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.identifiers.it.codice_fiscale import IDENTIFIER, is_valid_cf
from phiscope.detect.registry import BY_ID
from phiscope.model import TableChunk

GOOD = ["RSSMRA85T10A562S", "rssmra85t10a562s"]
BAD = ["RSSMRA85T10A562T", "RSSMRA85T10A56", "1SSMRA85T10A562S"]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(b"k" * 32)


def test_check() -> None:
    assert all(is_valid_cf(v) for v in GOOD)
    assert not any(is_valid_cf(v) for v in BAD)


def test_registered() -> None:
    assert BY_ID["IT_CF"] is IDENTIFIER


def test_found_in_text_with_context(engine: DetectionEngine) -> None:
    text = "Paziente, codice fiscale RSSMRA85T10A562S, ricoverato"
    assert [text[s:e] for s, e, t in engine.spans(text) if t == "IT_CF"]


def test_column_named_by_its_header(engine: DetectionEngine) -> None:
    rows = [[v] for v in GOOD] + [[""]]
    found = engine.scan([TableChunk(["Codice Fiscale"], rows, 1)]).detections
    assert found["IT_CF"].count == len(GOOD)
    assert not any(v in str(found["IT_CF"].masked_examples) for v in GOOD)
