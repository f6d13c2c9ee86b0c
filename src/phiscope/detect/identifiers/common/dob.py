"""Dates of birth: a date near birth context or under a birth-date label (parsing: dob.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import dob
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
)


def _date(c: Candidate) -> Claimed | None:
    if c.dob_label() or c.dob_context():
        iso = dob.parse_date(c.raw, c.dayfirst())
        if iso is not None:
            return iso, HIGH
    return None


def _eight(c: Candidate) -> Claimed | None:
    if "DATE_OF_BIRTH" in c.context() and c.dob_context():
        iso = dob.parse_date(c.digits)
        if iso is not None:
            return iso, MID
    return None


IDENTIFIER = Identifier(
    dob.DOB,
    fragments=(Fragment("date", r"\d{3}[-/.]\d\d?[-/.]\d\d?|\d?[/.\-]\d\d?[/.\-](?:\d{4}|\d\d)", order=110),),
    shapes=(Shape("date", _date), Shape(NUMBER, _eight, 10, (8,))),
    headers=(
        r"dob|d o b|date of birth|birth ?date|birthdate|birthday|born|date de naissance|"
        r"naissance|ddn|date naissance|pid 7|patient ?birth ?date|geburtsdatum"
    ),
    header_priority=10,
    subject=True,
)
