"""Identifier generators and their checks: published examples, edge cases, and many generated values."""

from __future__ import annotations

import random
from datetime import date

import pytest

from phiscope.synth import identifiers as ids
from phiscope.synth.calls import ordinal_words, spoken_date, spoken_digits, year_words


@pytest.mark.parametrize(
    ("ssn", "valid"),
    [
        ("287-65-4310", True),
        ("001-01-0001", True),
        ("899-99-9999", True),
        ("000-12-3456", False),  # area 000
        ("666-12-3456", False),  # area 666
        ("900-12-3456", False),  # 9xx
        ("999-12-3456", False),
        ("123-00-4567", False),  # group 00
        ("123-45-0000", False),  # serial 0000
        ("078-05-1120", False),  # voided after the Woolworth wallet insert
        ("219-09-9999", False),  # voided after an SSA advertisement
        ("457-55-5462", False),  # advertised in public: never generated
        ("287654310", False),  # generator writes dashed form only
        ("287-65-431", False),
    ],
)
def test_ssn_rules(ssn: str, valid: bool) -> None:
    assert ids.is_valid_ssn(ssn) is valid


@pytest.mark.parametrize("kind", ["area000", "area666", "area9xx", "group00", "serial0000", "advertised"])
def test_invalid_ssn_shapes_are_invalid(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(200):
        s = ids.invalid_ssn_shaped(rng, kind)
        assert len(s) == 11 and s[3] == "-" and s[6] == "-"
        assert not ids.is_valid_ssn(s)


def test_invalid_ssn_kind_unknown() -> None:
    with pytest.raises(ValueError, match="unknown"):
        ids.invalid_ssn_shaped(random.Random(0), "nope")


@pytest.mark.parametrize(
    ("npi", "valid"),
    [
        ("1234567893", True),  # CMS's published example
        ("1245319599", True),
        ("1234567890", False),  # wrong check digit
        ("3234567893", False),  # must start with 1 or 2
        ("123456789", False),
        ("12345678a3", False),
    ],
)
def test_npi_luhn(npi: str, valid: bool) -> None:
    assert ids.is_valid_npi(npi) is valid


@pytest.mark.parametrize(
    ("mbi", "valid"),
    [
        ("1EG4TE5MK73", True),  # CMS's published example
        ("1EG4-TE5-MK73", True),
        ("0EG4TE5MK73", False),  # first character 1-9
        ("1SG4TE5MK73", False),  # S is never used
        ("1EG4TE5MK7", False),
        ("1EG4-TE5MK73", False),
        ("1EGATE5MK73", False),  # position 4 numeric
        ("1EG4TE5M173", False),  # position 9 alphabetic
    ],
)
def test_mbi_format(mbi: str, valid: bool) -> None:
    assert ids.is_valid_mbi(mbi) is valid


@pytest.mark.parametrize(
    ("dea", "valid"),
    [
        ("AB1234563", True),  # (1+3+5) + 2*(2+4+6) = 33 -> 3
        ("AB1234560", False),
        ("A91234563", True),  # second character may be 9
        ("1B1234563", False),
        ("AB123456", False),
    ],
)
def test_dea_check_digit(dea: str, valid: bool) -> None:
    assert ids.is_valid_dea(dea) is valid


@pytest.mark.parametrize(
    ("nir", "valid"),
    [
        ("2 55 08 14 168 025 38", True),  # the INSEE textbook example
        ("255081416802538", True),
        ("255081416802539", False),
        ("2 69 05 2A 123 456 88", True),  # Corsica: 2A counts as 19 in the key
        ("2 69 05 2B 123 456 88", False),
        ("2 69 05 2B 123 456 18", True),  # 2B counts as 18
        ("3 55 08 14 168 025 38", False),
        ("2 55 13 14 168 025 38", False),  # month 13
    ],
)
def test_nir_key(nir: str, valid: bool) -> None:
    assert ids.is_valid_nir(nir) is valid


def test_generated_identifiers_are_valid() -> None:
    rng = random.Random(42)
    for _ in range(2000):
        assert ids.is_valid_ssn(ids.ssn(rng))
        assert ids.is_valid_npi(ids.npi(rng))
        m = ids.mbi(rng)
        assert ids.is_valid_mbi(m) and ids.is_valid_mbi(ids.format_mbi(m))
        assert ids.is_valid_dea(ids.dea(rng, "O'Brien"))
        n = ids.nir(rng, female=rng.random() < 0.5, year=rng.randint(1930, 2005), month=rng.randint(1, 12))
        assert ids.is_valid_nir(n) and ids.is_valid_nir(ids.format_nir(n))
        assert ids.us_phone(rng)[6:9] == "555"


def test_dea_second_letter_is_last_name_initial() -> None:
    assert ids.dea(random.Random(1), "lopez")[1] == "L"


def test_icd10_codes_are_shaped_and_unique() -> None:
    codes = [c.code for c in ids.ICD10_ALL]
    assert len(codes) == len(set(codes))
    assert all(ids.is_icd10_shaped(c) for c in codes)
    assert not ids.is_icd10_shaped("ABC")


@pytest.mark.parametrize(
    ("year", "words"),
    [
        (1972, "nineteen seventy two"),
        (1905, "nineteen oh five"),
        (1900, "nineteen hundred"),
        (1910, "nineteen ten"),
        (2000, "two thousand"),
        (2003, "two thousand three"),
        (2011, "twenty eleven"),
    ],
)
def test_year_words(year: int, words: str) -> None:
    assert year_words(year) == words


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (1, "first"),
        (4, "fourth"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty first"),
        (30, "thirtieth"),
        (31, "thirty first"),
    ],
)
def test_ordinal_words(day: int, words: str) -> None:
    assert ordinal_words(day) == words


def test_spoken_forms() -> None:
    assert spoken_date(date(1972, 3, 4)) == "March fourth, nineteen seventy two"
    assert spoken_digits("287-65-4310") == "two eight seven, six five, four three one zero"
    with pytest.raises(ValueError):
        ordinal_words(32)
