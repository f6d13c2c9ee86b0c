"""Whole-column fast paths: each must agree with the exact per-value check, and must actually take
the common layouts (a fast shape that silently rejects everything would only be slow, not wrong,
so that is asserted too)."""

from __future__ import annotations

import gc
import itertools
import random
import re

import pytest

from phiscope.detect import context, engine, health, vector
from phiscope.detect.engine import VALUE_CHECKS, DetectionEngine
from phiscope.detect.identifiers import dob
from phiscope.detect.names import looks_like_name, normalise_name
from phiscope.model import TableChunk

SECRET = b"vector-test-secret-0123456789abc"


def exact_norm(kind: str, v: str) -> str:
    r = VALUE_CHECKS[kind](v) if v else None
    return r[1] if r is not None else ""


# (fast function, VALUE_CHECKS kind, cells that must take the fast path, other cells)
CASES = [
    (
        vector.ssn,
        "US_SSN",
        ["123-45-6789", "123456789", "123 45 6789", " 234-56-7890\t", "912-70-1234", "900-50-0000"],
        [
            "000-12-3456",
            "666-12-3456",
            "123-00-4567",
            "123-45-0000",
            "078-05-1120",
            "219099999",
            "987-65-4321",
            "123-45-67890",
            "12-345-6789",
            "",
            "n/a",
            "١٢٣-٤٥-٦٧٨٩",
            "123--45-6789",
        ],
    ),
    (
        vector.phone,
        "PHONE",
        ["(617) 555-0134", "617.555.0134", "+1 617 555 0134", "01 23 45 67 89", "5550134"],
        ["123456", "1234567890123456", "617-555-0134 ext 5", "617\t555 0134", "", "()"],
    ),
    (
        vector.email,
        "EMAIL",
        ["ada.quinn@example.com", "A.Quinn@Example.COM"],
        [" ada@example.com", "a@b", "not an email", "é@x.fr", ""],
    ),
    (
        vector.zip_code,
        "ZIP_CODE",
        ["02115", "12345-6789"],
        ["00000", "1234", "12345 6789", " 02115", "12345-678", ""],
    ),
    (
        vector.record,
        "MEDICAL_RECORD_NUMBER",
        ["P0000123", "00482913", "abcd1234"],
        ["MRN-12345", "AB12", "ABCDEFG", " 0048291 ", "1" * 21, ""],
    ),
]


@pytest.mark.parametrize(("fast", "kind", "fast_cells", "other_cells"), CASES)
def test_fast_shapes_agree_with_exact_check(fast, kind, fast_cells, other_cells) -> None:  # type: ignore[no-untyped-def]
    cells = fast_cells + other_cells
    out = fast("\n".join(cells))
    lines = out.split("\n")
    assert len(lines) == len(cells)
    for cell, got in zip(cells, lines, strict=True):
        if got:
            assert got == exact_norm(kind, cell), cell  # sound: a fast value is the exact value
    for cell, got in zip(fast_cells, lines[: len(fast_cells)], strict=True):
        assert got, f"{cell!r} should take the fast path"


def test_address_fast_path_is_exact_on_ascii() -> None:
    cells = [
        "12 Main St",
        "12 Main St, Apt 4",
        "  12  Main St ",
        "Main St",
        "12345",
        "",
        "4 rue X,",
        ",12 Elm",
    ]
    got = vector.address("\n".join(cells))
    assert got is not None
    assert got.split("\n") == [exact_norm("POSTAL_ADDRESS", c) for c in cells]
    assert vector.address("12 Élm St") is None  # non-ASCII: the exact path


@pytest.mark.parametrize("dayfirst", [False, True])
def test_dates_agree_with_parse_date(dayfirst: bool) -> None:
    r = random.Random(5)
    cells = ["03/04/1972", "1972-03-04", "1972/03/04", "1972.3.4", "13/01/1972", "1972-02-30", "1972-02-29",
             "February 29, 2000", "March 4, 1972", "Sept 30, 1980", "MAY 4, 1972", "4 mars 1970", "", "abc",
             "2099-01-01", "1889-12-31", "03-04-72"]  # fmt: skip
    for _ in range(300):
        y, m, d = r.randint(1880, 2030), r.randint(0, 13), r.randint(0, 32)
        cells += [f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}"]
    out = vector.dates("\n".join(cells), dayfirst).split("\n")
    assert len(out) == len(cells)
    hits = 0
    for cell, got in zip(cells, out, strict=True):
        if got:
            hits += 1
            assert got == dob.parse_date(cell, dayfirst), cell
    assert out[1] == "1972-03-04" and out[8] == "1972-03-04" and hits > 300


def test_names_fast_path() -> None:
    cells = [
        "Ada Quinn",
        "O'Neil Mary-Ann",
        "Test",
        "Unknown",
        "J. Smith",
        "José Núñez",
        "Smith, John",
        "X",
        "",
    ]
    found, norms = engine._name_column(cells, False)
    want = [normalise_name(c) if c and looks_like_name(c) else "" for c in cells]
    assert norms == want
    assert found == [i for i, w in enumerate(want) if w]
    assert vector.person_names("Ada Quinn\nO'Neil Mary-Ann").split("\n") == ["ada quinn", "o neil mary-ann"]


def test_table_counts_equal_cell_by_cell_checks() -> None:
    """The column path on messy cells finds exactly what the exact check finds cell by cell."""
    r = random.Random(11)
    pool = {
        "ssn": ["123-45-6789", "987-70-1234", "000-12-3456", "078-05-1120", " 234 56 7890", "x", ""],
        "phone": ["(617) 555-0134", "123", "+33 1 23 45 67 89", "", "617\t555 0134"],
        "zip": ["02115", "00000", "12345-6789", "12345 6789", ""],
        "mrn": ["P0012345", "MRN-004829", "AB", ""],
        "npi": ["1234567893", "1234567890", ""],
    }
    kinds = {
        "ssn": "US_SSN",
        "phone": "PHONE",
        "zip": "ZIP_CODE",
        "mrn": "MEDICAL_RECORD_NUMBER",
        "npi": "US_NPI",
    }
    header = list(pool)
    rows = [[r.choice(pool[h]) for h in header] for _ in range(500)]
    f = DetectionEngine(SECRET).scan([TableChunk(header, rows, 1)])
    for j, h in enumerate(header):
        expect: dict[str, int] = {}
        for row in rows:
            res = VALUE_CHECKS[kinds[h]](row[j]) if row[j] else None
            if res is not None:
                expect[res[0].type] = expect.get(res[0].type, 0) + 1
        for t, c in expect.items():
            assert f.detections[t].count == c, (h, t)
    assert f.detections["US_ITIN"].count > 0  # ITINs in the SSN column are told apart


def test_fingerprint_cache_trim_keeps_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [[f"{100 + i:03d}-45-{1000 + i}", f"P{i:07d}"] for i in range(300)]
    chunks = [TableChunk(["ssn", "mrn"], rows[i : i + 50], i + 1) for i in range(0, 300, 50)]
    want = DetectionEngine(SECRET).scan(chunks)
    monkeypatch.setattr(engine, "FP_CACHE_MAX", 60)
    e = DetectionEngine(SECRET)
    got = e.scan(chunks)
    assert e._fp_size <= 60 + 2 * 50 * 2  # trimmed between chunks
    assert got.detections["US_SSN"].fingerprints == want.detections["US_SSN"].fingerprints
    assert sorted(map(sorted, got.people)) == sorted(map(sorted, want.people))


def test_gc_state_is_restored() -> None:
    e = DetectionEngine(SECRET)
    chunk = TableChunk(["ssn"], [["123-45-6789"]], 1)
    assert gc.isenabled()
    e.scan([chunk])
    assert gc.isenabled()
    gc.disable()
    try:
        e.scan([chunk])
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


def test_trie_pattern_matches_like_longest_first_alternation() -> None:
    r = random.Random(3)
    words = {"".join(r.choices("abc d", k=r.randint(1, 5))).strip() or "a" for _ in range(200)}
    text = "".join(r.choices("abc d\n", k=5000))
    alt = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    trie = re.compile(context.trie_pattern(words))
    assert alt.findall(text) == trie.findall(text)


def test_health_terms_longest_first_without_overlap() -> None:
    terms = health.find_terms("history of type 2 diabetes, asthma and heart failure; diabetes")
    names = [t for _, _, t, _ in terms]
    assert "type 2 diabetes" in names and names.count("diabetes") == 1  # the last one only
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(terms))


def test_fingerprint_cache_bounded_on_text_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from phiscope.model import Location, Segment

    monkeypatch.setattr(engine, "FP_CACHE_MAX", 50)
    e = DetectionEngine(SECRET)
    for k in range(5):
        e.scan([Segment(f"SSN {100 + i:03d}-45-{1000 + k * 100 + i}", Location()) for i in range(40)])
    assert e._fp_size <= 50 + 2 * 40
