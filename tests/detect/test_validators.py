"""Table tests for every identifier validator: valid, invalid, edge cases."""

from __future__ import annotations

import pytest

from phiscope.detect.identifiers import (
    canada,
    codes,
    contact,
    dob,
    france,
    medicare,
    network,
    payment,
    provider,
    records,
    uk,
    us_ssn,
)
from phiscope.detect.identifiers.base import luhn_ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("123-45-6789", True),
        ("123456789", True),
        ("001-01-0001", True),
        ("000-12-3456", False),  # area 000
        ("666-12-3456", False),  # area 666
        ("900-12-3456", False),  # 9xx = ITIN range
        ("999-99-9999", False),
        ("123-00-4567", False),  # group 00
        ("123-45-0000", False),  # serial 0000
        ("078-05-1120", False),  # Woolworth wallet card
        ("219-09-9999", False),  # SSA pamphlet
        ("12-345-6789", True),  # digits only count: 9 digits, valid parts
        ("1234-56-789", True),
        ("12345678", False),
        ("1234567890", False),
    ],
)
def test_ssn(value: str, ok: bool) -> None:
    assert us_ssn.is_valid_ssn(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("912-70-1234", True),
        ("900-50-0000", True),
        ("999-99-9999", True),
        ("912-93-1234", False),
        ("912-49-1234", False),
        ("812-70-1234", False),
        ("912-89-1234", False),
    ],
)
def test_itin(value: str, ok: bool) -> None:
    assert us_ssn.is_valid_itin(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1EG4-TE5-MK73", True),
        ("1EG4TE5MK73", True),
        ("9AA0-AA0-AA00", True),
        ("0EG4-TE5-MK73", False),
        ("1SG4-TE5-MK73", False),
        ("1EG4-TE5-MK7", False),
        ("1EGA-TE5-MK73", False),
        ("1EG4-TE5-ML73", False),
    ],
)
def test_mbi(value: str, ok: bool) -> None:
    assert medicare.is_valid_mbi(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("123456789A", True),
        ("123-45-6789-B1", True),
        ("123456789T", True),
        ("000456789A", False),
        ("123456789Z", False),
        ("123456789", False),
        ("12345678A", False),
    ],
)
def test_hicn(value: str, ok: bool) -> None:
    assert medicare.is_valid_hicn(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1234567893", True),
        ("1245319599", True),
        ("1234567890", False),
        ("3234567893", False),
        ("123456789", False),
    ],
)
def test_npi(value: str, ok: bool) -> None:
    assert provider.is_valid_npi(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("AB1234563", True),
        ("FJ9876547", True),
        ("AB1234564", False),
        ("IB1234563", False),
        ("A11234563", False),
        ("A91234563", True),
        ("AB123456", False),
    ],
)
def test_dea(value: str, ok: bool) -> None:
    assert provider.is_valid_dea(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0002-3227-30", True),
        ("50090-347-01", True),
        ("12345-6789-1", True),
        ("12345678901", True),
        ("1234-567-89", False),
        ("123456789", False),
    ],
)
def test_ndc(value: str, ok: bool) -> None:
    assert codes.is_valid_ndc(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("E11.9", True),
        ("I10", True),
        ("J45.909", True),
        ("S72.001A", True),
        ("M1A.0710", True),
        ("U07.1", False),
        ("E1", False),
        ("EA1.9", False),
        ("E11.99999", False),
    ],
)
def test_icd10(value: str, ok: bool) -> None:
    assert codes.is_valid_icd10(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("99213", True),
        ("0001F", True),
        ("0075T", True),
        ("G0439", True),
        ("J1100", True),
        ("00099", False),
        ("99999", False),
        ("W1234", False),
        ("9921", False),
    ],
)
def test_cpt(value: str, ok: bool) -> None:
    assert codes.is_valid_cpt(value) is ok


def _nir(body: str) -> str:
    return body + f"{france.nir_key(body):02d}"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (_nir("1850578006084"), True),
        (_nir("2690299341732"), True),
        (_nir("185052A006084"), True),  # Corsica 2A read as 19
        (_nir("185052B006084"), True),  # Corsica 2B read as 18
        ("185052A00608435" if france.nir_key("185052A006084") != 35 else "185052A00608436", False),
        (_nir("1851378006084"), False),  # month 13
        (_nir("5850578006084"), False),  # sex digit 5
        ("1 85 05 78 006 084 " + _nir("1850578006084")[-2:], True),
        (_nir("1850578006084")[:-1], False),
    ],
)
def test_nir(value: str, ok: bool) -> None:
    assert france.is_valid_nir(value) is ok


def test_nir_corsica_key_differs_from_plain_digits() -> None:
    assert france.nir_key("185052A006084") == 97 - int("1850519006084") % 97
    assert france.nir_key("185052B006084") == 97 - int("1850518006084") % 97


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("943 476 5919", True),
        ("9434765919", True),
        ("943 476 5910", False),
        ("1111111111", False),
        ("401 023 2137", True),
        ("401 023 2138", False),
    ],
)
def test_nhs(value: str, ok: bool) -> None:
    assert uk.is_valid_nhs(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("130 692 544", True),
        ("130-692-544", True),
        ("130 692 545", False),
        ("046 454 286", False),
        ("846 454 286", False),
    ],
)
def test_sin(value: str, ok: bool) -> None:
    assert canada.is_valid_sin(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1112", False),
        ("5500 0000 0000 0004", True),
        ("3782 822463 10005", True),
        ("6011 1111 1111 1117", True),
        ("2223 0000 4841 0010", True),
        ("1234 5678 9012 3452", False),
        ("0000 0000 0000 0000", False),
        ("411111111111", False),
    ],
)
def test_card(value: str, ok: bool) -> None:
    assert payment.is_valid_card(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", True),
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89370400440532013000", True),
        ("DE89370400440532013001", False),
        ("FR76 3000 6000 0112 3456 7890 18", False),
        ("XX82WEST12345698765432", False),
    ],
)
def test_iban(value: str, ok: bool) -> None:
    assert payment.is_valid_iban(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("192.168.1.20", True),
        ("8.8.8.8", True),
        ("256.1.1.1", False),
        ("1.2.3", False),
        ("01.2.3.4", False),
        ("0.0.0.0", False),
    ],
)
def test_ipv4(value: str, ok: bool) -> None:
    assert network.is_valid_ipv4(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("(617) 555-0134", True),
        ("617-555-0134", True),
        ("+1 617 555 0134", True),
        ("117-555-0134", False),
        ("617-155-0134", False),
        ("01 23 45 67 89", True),
        ("+33 6 12 34 56 78", True),
        ("+44 20 7946 0958", True),
    ],
)
def test_phone(value: str, ok: bool) -> None:
    assert contact.is_valid_phone(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ada@example.com", True),
        ("a.b+c@mail.example.co.uk", True),
        (".a@example.com", False),
        ("a..b@example.com", False),
    ],
)
def test_email(value: str, ok: bool) -> None:
    assert contact.is_valid_email(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("00482913", True), ("A1234567", True), ("ABCDEF", False), ("12-34", False), ("1234", False)],
)
def test_record_ids(value: str, ok: bool) -> None:
    assert records.is_valid_record_id(value) is ok


@pytest.mark.parametrize(
    ("raw", "dayfirst", "iso"),
    [
        ("03/04/1972", None, "1972-03-04"),
        ("03/04/1972", True, "1972-04-03"),
        ("25/04/1972", None, "1972-04-25"),  # unambiguous: day > 12
        ("1972-03-04", None, "1972-03-04"),
        ("March 4, 1972", None, "1972-03-04"),
        ("4 March 1972", None, "1972-03-04"),
        ("4 mars 1972", None, "1972-03-04"),
        ("Mar. 4th 1972", None, "1972-03-04"),
        ("19720304", None, "1972-03-04"),
        ("02/30/1972", None, None),
        ("03/04/2999", None, None),
        ("1972-13-01", None, None),
    ],
)
def test_parse_date(raw: str, dayfirst: bool | None, iso: str | None) -> None:
    assert dob.parse_date(raw, dayfirst) == iso


def test_day_first_hint() -> None:
    assert dob.day_first_hint(["03/04/1972", "25/12/1980"]) is True
    assert dob.day_first_hint(["03/04/1972", "12/25/1980"]) is False


@pytest.mark.parametrize(("number", "ok"), [("79927398713", True), ("79927398710", False), ("0", True)])
def test_luhn(number: str, ok: bool) -> None:
    assert luhn_ok(number) is ok
