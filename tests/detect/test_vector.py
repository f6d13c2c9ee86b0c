"""Whole-column fast paths: each must agree with the exact per-value check, and must actually take
the common layouts (a fast shape that silently rejects everything would only be slow, not wrong,
so that is asserted too)."""

from __future__ import annotations

import gc
import itertools
import random
import re

import pytest

from phiscope.detect import context, engine, health, table, vector
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


COLUMN_CASES = [
    (vector.ssn_column, "US_SSN", 0),
    (vector.phone_column, "PHONE", 1),
    (vector.email_column, "EMAIL", 2),
    (vector.zip_column, "ZIP_CODE", 3),
    (vector.record_column, "MEDICAL_RECORD_NUMBER", 4),
]


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(("column", "kind", "case"), COLUMN_CASES)
def test_column_lists_agree_with_exact_check(
    column, kind: str, case: int, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The per-cell lists the engine uses, with the C loops and with the regex passes."""
    if compiled and vector._shapes is None:
        pytest.skip("C shapes not built")
    if not compiled:
        monkeypatch.setattr(vector, "_shapes", None)
    _, _, fast_cells, other_cells = CASES[case]
    cells = fast_cells + other_cells + ["123-45-\n6789"]  # a newline inside a cell
    got = column(cells)
    if got is None:  # a regex pass cannot split lines back: the caller takes the exact path
        assert not compiled or column is vector.email_column  # (e-mail has no C loop)
        got = [*column(cells[:-1]), ""]
    assert len(got) == len(cells)
    for cell, norm in zip(cells, got, strict=True):
        if norm:
            assert norm == exact_norm(kind, cell), cell
    assert all(got[: len(fast_cells)]), "the common layouts take the fast path"


def _mutants(r: random.Random, seeds: list[str], alphabet: str, n: int) -> list[str]:
    """Cells near the shapes' edges: seeds with a character replaced, inserted or dropped, and
    random strings over the shape's alphabet."""
    out = list(seeds)
    for _ in range(n):
        s = list(r.choice(seeds))
        for _ in range(r.randint(1, 2)):
            op, i = r.randrange(3), r.randrange(len(s) + 1)
            if op == 0 and i < len(s):
                s[i] = r.choice(alphabet)
            elif op == 1:
                s.insert(i, r.choice(alphabet))
            elif s and i < len(s):
                del s[i]
        out.append("".join(s))
        out.append("".join(r.choices(alphabet, k=r.randint(0, 14))))
    return out


SHAPE_FUZZ = [
    (
        vector.SHAPE_SSN,
        vector.ssn,
        ["123-45-6789", "912 70 1234", " 900500000\t", "078-05-1120"],
        "0123456789 -\t9x",
    ),
    (
        vector.SHAPE_PHONE,
        vector.phone,
        ["(617) 555-0134", "+1 617.555.0134", "5550134"],
        "0123456789 ()+./-x",
    ),
    (vector.SHAPE_ZIP, vector.zip_code, ["02115", "12345-6789", "00000"], "0123456789- "),
    (vector.SHAPE_RECORD, vector.record, ["P0000123", "ab12cd34", "0048291"], "0123456789AbZ-é "),
    (vector.SHAPE_NAME, vector.person_names, ["Ada Quinn", "O'Neil Mary-Ann", "A B C D E"], "AbzZ '-.é"),
]
SHAPE_FUZZ += [
    (
        vector.SHAPE_EMAIL,
        vector.email,
        ["ada.quinn@example.com", "A_B%c+d@x-y.co.UK", "a@b.cd"],
        "aZ0._%+-@é ",
    ),
    (
        vector.SHAPE_ADDRESS,
        vector.address,
        ["12 Main St", " 4 rue X,  Apt 2\t", "PO Box 12"],
        "1aZ ,\t\x1c.-",
    ),
]
_MONTH_WORDS = ["March", "SEPT", "sep", "May", "Mayo", "Dec.", "Juneteen", "Febr"]


def _date_seeds(r: random.Random) -> list[str]:
    out = []
    for _ in range(60):
        y, m, d = r.randint(1880, 2035), r.randint(0, 13), r.randint(0, 32)
        s1, s2 = r.choice("-/."), r.choice("-/.")
        out += [f"{y}{s1}{m:02d}{s2}{d:02d}", f"{m:02d}{s1}{d:02d}{s2}{y}", f"{d:02d}.{m:02d}.{y}"]
        out.append(f"{r.choice(_MONTH_WORDS)}{r.choice(['', '.'])} {d}{r.choice(['', ','])} {y}")
    return [*out, "1972-02-29", "February 29, 2000", "March 04, 1972", "March 31, 1972", "June 31, 1972"]


@pytest.mark.skipif(vector._shapes is None, reason="C shapes not built")
@pytest.mark.parametrize("case", range(len(SHAPE_FUZZ) + 2))
def test_compiled_shapes_equal_regex_passes(case: int) -> None:
    """The C loops give exactly the regex passes' lists, on cells built to sit on the shapes' edges."""
    r = random.Random(100 + case)
    if case < len(SHAPE_FUZZ):
        shape, regex_pass, seeds, alphabet = SHAPE_FUZZ[case]
        cells = _mutants(r, seeds, alphabet, 3000)
        arg = 0
        want = vector.by_lines(cells, regex_pass)
    else:
        dayfirst = case == len(SHAPE_FUZZ) + 1
        cells = _mutants(r, _date_seeds(r), "0123456789-/.,  aMyJ", 3000)
        arg = -vector.YEAR_MAX if dayfirst else vector.YEAR_MAX
        want = vector.by_lines(cells, lambda j: vector.dates(j, dayfirst))
    got = vector._shapes.normalise(cells, shape if case < len(SHAPE_FUZZ) else vector.SHAPE_DATE, arg)
    assert want is not None
    diff = [(c, g, w) for c, g, w in zip(cells, got, want, strict=True) if g != w]
    assert not diff, diff[:5]
    assert sum(map(bool, got)) > 100  # the fuzz reaches accepted cells too
    with pytest.raises(TypeError):
        vector._shapes.normalise(["123-45-6789", None], vector.SHAPE_SSN)


@pytest.mark.skipif(vector._shapes is None, reason="C shapes not built")
def test_compiled_org_names_equal_normalise_org() -> None:
    r = random.Random(7)
    seeds = ["Alvarez, Mendez and Lopez", "Stone Ltd.", "ACME & Co", "Inc.", "Hughes-Rubio GmbH", "12 LLC 3",
             "co_op sa", "  Blue\tCross\x1cInc  ", "12345", "-"]  # fmt: skip
    cells = _mutants(r, seeds, "aZ &.,-_\t0é", 3000)
    got = vector._shapes.normalise(cells, vector.SHAPE_ORG)
    for cell, norm in zip(cells, got, strict=True):
        if norm:
            assert norm == engine.normalise_org(cell), cell
        elif cell.isascii() and len(cell) <= 400:  # ASCII: only "no letter" or "legal forms only" is ""
            assert table._org_cell(cell) is None, cell
    assert sum(map(bool, got)) > 1000
    found, norms = table._org_column(["Stone Ltd", "Inc.", "12345", "Zoë Labs", ""])
    assert found == [0, 3] and norms[0] == "stone" and norms[3] == "zoe labs"


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
    found, norms = table._name_column(cells, False)
    want = [normalise_name(c) if c and looks_like_name(c) else "" for c in cells]
    assert norms == want
    assert found == [i for i, w in enumerate(want) if w]
    assert vector.person_names("Ada Quinn\nO'Neil Mary-Ann").split("\n") == ["ada quinn", "o neil mary-ann"]


@pytest.mark.parametrize("compiled", [True, False])
def test_table_counts_equal_cell_by_cell_checks(compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column path on messy cells finds exactly what the exact check finds cell by cell (with
    the C column loops and with the regex passes)."""
    if not compiled:
        monkeypatch.setattr(vector, "_shapes", None)
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
    # 9xx numbers under an SSN header are never-issued SSNs (test data), not ITINs: the header says SSN
    assert f.detections["US_SSN_TEST"].count > 0 and "US_ITIN" not in f.detections


def test_results_do_not_depend_on_chunking() -> None:
    """Fingerprint caches start afresh with every chunk: the same rows in 6 chunks or in one give
    the same fingerprints and person records, and the caches hold one chunk's values at most."""
    rows = [[f"{100 + i:03d}-45-{1000 + i}", f"P{i:07d}"] for i in range(300)]
    chunks = [TableChunk(["ssn", "mrn"], rows[i : i + 50], i + 1) for i in range(0, 300, 50)]
    want = DetectionEngine(SECRET).scan([TableChunk(["ssn", "mrn"], rows, 1)])
    e = DetectionEngine(SECRET)
    got = e.scan(chunks)
    assert max(len(c) for c in e._fp_cache.values()) == 50  # the last chunk's
    for t in ("US_SSN", "MEDICAL_RECORD_NUMBER"):
        assert got.detections[t].fingerprints == want.detections[t].fingerprints
        assert len(got.detections[t].fingerprints) == 300
    assert sorted(map(sorted, got.people)) == sorted(map(sorted, want.people))
    assert len(got.people) == 300


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


def test_collector_is_paused_only_while_table_chunks_stream() -> None:
    """Off while the extractor builds the next table chunk, back on before a text segment is
    fetched (PDF and office libraries build cycles), and as the caller left it at the end."""
    from phiscope.model import Location, Segment

    states = []

    def items():  # type: ignore[no-untyped-def]
        yield TableChunk(["ssn"], [["123-45-6789"]], 1)
        states.append(gc.isenabled())
        yield TableChunk(["ssn"], [["234-56-7890"]], 2)
        states.append(gc.isenabled())
        yield Segment("SSN 345-67-8901", Location())
        states.append(gc.isenabled())
        yield Segment("SSN 456-78-9012", Location())

    f = DetectionEngine(SECRET).scan(items())
    assert states == [False, False, True]
    assert f.detections["US_SSN"].count == 4
    assert gc.isenabled()


def test_young_collections_still_run_when_an_extractor_leaves_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "YOUNG_MAX", 1_000)
    young: list[int] = []

    def cb(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 0:
            young.append(info["collected"])

    def items():  # type: ignore[no-untyped-def]
        for i in range(20):
            for _ in range(500):  # cyclic garbage, as a careless parser would leave
                a: list[object] = []
                a.append(a)
            yield TableChunk(["ssn"], [[f"{100 + i:03d}-45-6789"]], i + 1)

    gc.callbacks.append(cb)
    try:
        f = DetectionEngine(SECRET).scan(items())
    finally:
        gc.callbacks.remove(cb)
    assert f.detections["US_SSN"].count == 20
    assert len(young) >= 5 and sum(young) >= 5 * 500  # the cycles were collected during the scan
    assert gc.isenabled()


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


def test_fingerprint_cache_bounded_on_text_too() -> None:
    from phiscope.model import Location, Segment

    e = DetectionEngine(SECRET)
    seen = set()
    for k in range(5):
        f = e.scan([Segment(f"SSN {100 + i:03d}-45-{1000 + k * 100 + i}", Location()) for i in range(40)])
        assert sum(len(c) for c in e._fp_cache.values()) <= 40  # one batch's values
        seen |= f.detections["US_SSN"].fingerprints
    assert len(seen) == 200


@pytest.mark.skipif(vector._shapes is None, reason="C shapes not built")
def test_compiled_shapes_leave_long_and_odd_values_to_the_exact_check() -> None:
    n = vector._shapes.normalise
    long_ssn = " " * 500 + "123-45-6789"  # the regex takes it; the C loop leaves it to the exact path
    assert n([long_ssn, "123-45-6789"], vector.SHAPE_SSN) == ["", "123456789"]
    assert exact_norm("US_SSN", long_ssn) == "123456789"  # ... which finds it
    assert n(("Zoë Quinn", "Ada Quinn", "A" * 81), vector.SHAPE_NAME) == ["", "ada quinn", ""]  # tuples too
    assert n([], vector.SHAPE_DATE, vector.YEAR_MAX) == []
    org = n(["Acme & Co." * 50], vector.SHAPE_ORG)  # 500 chars: over the input cap
    assert org == [""]
    with pytest.raises(ValueError):
        n(["x"], 99)
