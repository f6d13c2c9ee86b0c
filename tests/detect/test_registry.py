"""The registry composes, from one declaration per identifier, exactly what the engine ran before
identifiers became declarations (patterns.py, columns._RULES, impact/regulations.py's sets, frozen in
data/passes_before_registry.json), plus the identifiers declared since."""

from __future__ import annotations

import json
import re
from pathlib import Path

from phiscope.detect import columns, registry
from phiscope.detect.identifiers.unit import DIGIT, LETTER, NUMBER
from phiscope.impact import regulations

BEFORE = json.loads((Path(__file__).parent / "data" / "passes_before_registry.json").read_text("utf-8"))
# identifiers added after the move (each one file + one test file)
ADDED = {"FR_RPPS", "FR_ADELI", "FR_FINESS", "DE_KVNR", "NL_BSN", "BE_INSZ", "IT_CF", "ES_NUSS", "AT_SVNR"}


def _legacy() -> list[registry.Identifier]:
    return [i for i in registry.IDENTIFIERS if i.type not in ADDED]


def test_composed_passes_equal_the_hand_written_ones_byte_for_byte() -> None:
    assert registry.pass_pattern(_legacy(), DIGIT) == BEFORE["DIGIT_RE"]
    assert registry.pass_pattern(_legacy(), LETTER) == BEFORE["LETTER_RE"]


def test_header_rules_equal_the_hand_written_ones() -> None:
    composed = [list(r) for r in registry.header_rules(_legacy())]
    hand = [r for r in BEFORE["rules"] if r[0] in {i.type for i in registry.IDENTIFIERS}]
    assert composed == hand
    # the non-identifier rules keep their place after the identifiers'
    assert [list(r) for r in columns._RULES if r[0] not in registry.BY_TYPE] == [
        r for r in BEFORE["rules"] if r[0] not in registry.BY_TYPE
    ]
    assert columns._RULES[: len(registry.HEADER_RULES)] == registry.HEADER_RULES


def test_jurisdiction_sets_keep_todays_members() -> None:
    assert set(BEFORE["US"]) == set(regulations.US_TYPES)
    assert set(BEFORE["UK"]) == set(regulations.UK_TYPES)
    assert set(BEFORE["EU"]) <= set(regulations.EU_TYPES)
    assert set(regulations.EU_TYPES) - set(BEFORE["EU"]) <= ADDED
    assert set(BEFORE["FR_HEALTH"]) == set(regulations.FR_HEALTH_TYPES)


def test_every_claimed_group_exists_and_every_group_is_claimed() -> None:
    groups = set(registry.DIGIT_RE.groupindex) | set(registry.LETTER_RE.groupindex)
    keys = set(registry.DISPATCH)
    claimed = {k for k in keys if not k.startswith(NUMBER)}
    assert claimed <= groups
    assert groups - registry.NUMBER_GROUPS <= claimed
    assert not set(registry.DIGIT_RE.groupindex) & set(registry.LETTER_RE.groupindex)


def test_dispatch_order_follows_priority() -> None:
    # a 10-digit run near "NPI" and "NHS": NPI's claim is tried first, as before
    ten = [k.type for k, _, _ in registry.DISPATCH[f"{NUMBER}10"]]
    assert ten.index("US_NPI") < ten.index("UK_NHS") < ten.index("PHONE")
    phone = [k.type for k, _, _ in registry.DISPATCH["phone"]]
    assert phone == ["UK_NHS", "US_NPI", "PHONE"]
    ssn = [k.type for k, _, _ in registry.DISPATCH["ssn"]]
    assert ssn == ["US_SSN", "US_ITIN", "CA_SIN"]


def test_value_checks_and_kinds_cover_the_declared_types() -> None:
    assert set(registry.VALUE_CHECKS) <= set(registry.BY_TYPE)
    assert "DATE_OF_BIRTH" not in registry.VALUE_CHECKS  # dates go through their own column path
    assert {"US_SSN", "FR_NIR", "UK_NHS", "US_MBI"} <= registry.PERSON_KEY_TYPES
    for i in registry.IDENTIFIERS:
        if i.headers:
            re.compile(i.headers)


def test_person_key_rules_come_from_declarations() -> None:
    # the engine's former hand-kept set of identifiers a standard's id field stands for
    before = {"US_SSN", "DRIVER_LICENSE", "PASSPORT", "UK_NHS", "FR_INS", "US_MBI"}
    assert before == registry.STANDARD_ID_TYPES
    other, when = registry.LINKS["FR_INS"]
    assert other == "FR_NIR" and when("185057800608491") and not when("785057800608491")
    assert set(registry.LINKS) == {"FR_INS"}


def test_docs_type_table_is_generated_from_the_registry() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "identifiers.md"
    assert doc.read_text("utf-8") == registry.type_table(), (
        "run: python -m phiscope.detect.registry > docs/identifiers.md"
    )
    assert all(f"| {i.type} |" in registry.type_table() for i in registry.IDENTIFIERS)


def test_engine_modules_name_no_type() -> None:
    """Types live in their declarations (and detect/kinds.py): the engine's modules route by what the
    registry composed, never by a type id of their own."""
    import ast

    import phiscope.detect as d

    ids = set(registry.BY_TYPE) | {
        "PERSON_NAME",
        "NAME_DOB",
        "ORGANISATION",
        "HEALTH_CONDITION",
        "MEDICATION",
    }
    root = Path(d.__file__).parent
    for name in ("engine", "text", "table", "summary", "person_keys"):
        tree = ast.parse((root / f"{name}.py").read_text("utf-8"))
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in ids}
        assert not named, f"{name}.py names {sorted(named)}"
