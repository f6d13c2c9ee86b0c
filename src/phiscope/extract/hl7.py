"""HL7 v2 messages (ER7, `MSH|^~\\&`): one segment per field, labelled with its HL7 name.

Segments end with `\\r` (the standard), `\\n` or `\\r\\n`; MLLP framing bytes are stripped. The
separators come from each MSH, so messages using other delimiters still split right. Components are
joined with spaces so detection reads addresses as text; fields whose data type says which component
is what are split by it (FIELD_TYPES): a CX identifier is its ID with its type code in the label
("PID-3 patient identifier list [MR]"), an XPN/XCN name is read given, middle, family.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.encoding import TextLines
from phiscope.extract.locs import at
from phiscope.model import Segment

# Fields that carry who a person is: the ones detection most needs named.
FIELD_NAMES: dict[str, str] = {
    "MSH-3": "sending application",
    "MSH-4": "sending facility",
    "MSH-5": "receiving application",
    "MSH-6": "receiving facility",
    "MSH-7": "message date/time",
    "MSH-9": "message type",
    "MSH-10": "message control id",
    "EVN-2": "recorded date/time",
    "PID-2": "patient id (external)",
    "PID-3": "patient identifier list",
    "PID-4": "alternate patient id",
    "PID-5": "patient name",
    "PID-6": "mother's maiden name",
    "PID-7": "date of birth",
    "PID-8": "administrative sex",
    "PID-9": "patient alias",
    "PID-10": "race",
    "PID-11": "patient address",
    "PID-12": "county code",
    "PID-13": "phone number - home",
    "PID-14": "phone number - business",
    "PID-15": "primary language",
    "PID-16": "marital status",
    "PID-17": "religion",
    "PID-18": "patient account number",
    "PID-19": "SSN number - patient",
    "PID-20": "driver's license number - patient",
    "PID-21": "mother's identifier",
    "PID-22": "ethnic group",
    "PID-23": "birth place",
    "PID-29": "patient death date and time",
    "PD1-4": "primary care provider",
    "NK1-2": "next of kin name",
    "NK1-3": "relationship",
    "NK1-4": "next of kin address",
    "NK1-5": "next of kin phone number",
    "NK1-6": "next of kin business phone",
    "NK1-33": "next of kin identifiers",
    "NK1-37": "next of kin SSN",
    "PV1-3": "assigned patient location",
    "PV1-7": "attending doctor",
    "PV1-8": "referring doctor",
    "PV1-9": "consulting doctor",
    "PV1-17": "admitting doctor",
    "PV1-19": "visit number",
    "PV1-44": "admit date/time",
    "PV1-45": "discharge date/time",
    "GT1-3": "guarantor name",
    "GT1-5": "guarantor address",
    "GT1-6": "guarantor phone number - home",
    "GT1-8": "guarantor date of birth",
    "GT1-12": "guarantor SSN",
    "GT1-16": "guarantor employer name",
    "GT1-17": "guarantor employer address",
    "IN1-2": "insurance plan id",
    "IN1-3": "insurance company id",
    "IN1-4": "insurance company name",
    "IN1-16": "name of insured",
    "IN1-18": "insured's date of birth",
    "IN1-19": "insured's address",
    "IN1-36": "policy number",
    "IN1-49": "insured's id number",
    "DG1-3": "diagnosis code",
    "DG1-4": "diagnosis description",
    "OBR-4": "universal service identifier",
    "OBR-16": "ordering provider",
    "OBX-3": "observation identifier",
    "OBX-5": "observation value",
    "AL1-3": "allergen code",
    "RXE-2": "give code",
    "RXA-5": "administered code",
    "NTE-3": "comment",
    "ORC-12": "ordering provider",
}

_ESCAPES = re.compile(r"\\([FSTRE])\\|\\X([0-9A-Fa-f]+)\\|\\\.br\\")


@dataclass(frozen=True, slots=True)
class Separators:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"


def separators_from_msh(line: str) -> Separators:
    """MSH-1 is the field separator, MSH-2 the other four encoding characters."""
    fs = line[3:4] or "|"
    enc = line[4:9].split(fs, 1)[0]
    d = Separators()
    return Separators(
        field=fs,
        component=enc[0:1] or d.component,
        repetition=enc[1:2] or d.repetition,
        escape=enc[2:3] or d.escape,
        subcomponent=enc[3:4] or d.subcomponent,
    )


def field_label(seg: str, idx: int, qual: str | None = None) -> str:
    key = f"{seg}-{idx}"
    name = FIELD_NAMES.get(key)
    label = f"{key} {name}" if name else key
    return f"{label} [{qual}]" if qual else label


def unescape(text: str, sep: Separators) -> str:
    if sep.escape not in text:
        return text
    if sep.escape != "\\":
        text = text.replace(sep.escape, "\\")
    table = {"F": sep.field, "S": sep.component, "T": sep.subcomponent, "R": sep.repetition, "E": sep.escape}

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return table[m.group(1)]
        if m.group(2):
            try:
                return bytes.fromhex(m.group(2)).decode("latin-1")
            except ValueError:
                return ""
        return "\n"

    return _ESCAPES.sub(sub, text)


def field_text(raw: str, sep: Separators) -> str:
    """Components and subcomponents as words; repetitions as separate phrases."""
    out = raw
    if sep.component in out or sep.subcomponent in out:
        out = out.replace(sep.subcomponent, " ").replace(sep.component, " ")
        out = " ".join(out.split())
    if sep.repetition in out:
        out = "; ".join(p.strip() for p in out.split(sep.repetition) if p.strip())
    return unescape(out, sep)


# Fields whose data type says which component is what: CX (identifier ^^^ authority ^ type code),
# XPN (family ^ given ^ middle), XCN (id ^ family ^ given ^ middle), DLN (number ^ state ^ expiry).
FIELD_TYPES: dict[str, str] = {
    **dict.fromkeys(("PID-2", "PID-3", "PID-4", "PID-18", "PID-21", "NK1-33", "GT1-2", "IN1-49"), "CX"),
    **dict.fromkeys(("PID-5", "PID-6", "PID-9", "NK1-2", "GT1-3", "IN1-16"), "XPN"),
    **dict.fromkeys(("PV1-7", "PV1-8", "PV1-9", "PV1-17", "PD1-4", "ORC-12", "OBR-16", "OBR-28"), "XCN"),
    "PID-20": "DLN",
}


_TYPED_BY_SEGMENT: dict[str, dict[int, str]] = {}
for _key, _kind in FIELD_TYPES.items():
    _seg, _num = _key.split("-")
    _TYPED_BY_SEGMENT.setdefault(_seg, {})[int(_num)] = _kind


def typed_values(kind: str, raw: str, sep: Separators) -> Iterator[tuple[str, str | None]]:
    """(value, qualifier) per repetition of a typed field: the identifier with its type code, or the
    name in reading order ("EVE E EVERYWOMAN")."""
    esc = sep.escape in raw
    sub = sep.subcomponent in raw

    def part(comps: list[str], i: int) -> str:
        if i >= len(comps):
            return ""
        v = comps[i]
        if sub:
            v = v.replace(sep.subcomponent, " ")
        return (unescape(v, sep) if esc else v).strip()

    for rep in raw.split(sep.repetition) if sep.repetition in raw else (raw,):
        comps = rep.split(sep.component)
        if kind == "CX":
            if ident := part(comps, 0):
                yield ident, part(comps, 4) or None
        elif kind == "DLN":
            if ident := part(comps, 0):
                yield ident, None
        else:
            if kind == "XCN" and (ident := part(comps, 0)):
                # the clinician's id, qualified by its type code or assigning authority (NPI…)
                yield ident, f"ID {part(comps, 12) or part(comps, 8)}".strip()
            o = 0 if kind == "XPN" else 1  # XPN: family^given^middle; XCN: id^family^given^middle
            name = " ".join(w for w in (part(comps, o + 1), part(comps, o + 2), part(comps, o)) if w)
            if name:
                yield name, None


def parse_segment(line: str, sep: Separators) -> Iterator[tuple[str, int, str, str | None]]:
    """(segment id, field number, field text, qualifier) for each non-empty field of one segment."""
    parts = line.split(sep.field)
    seg = parts[0].strip()
    # MSH-1 is the separator itself and MSH-2 the encoding characters: numbering shifts by one.
    fields = enumerate(parts[2:], start=3) if seg == "MSH" else enumerate(parts[1:], start=1)
    typed = _TYPED_BY_SEGMENT.get(seg)
    if typed is None:  # MSH, OBX, …: no field whose components need telling apart
        for i, raw in fields:
            if raw:
                yield seg, i, field_text(raw, sep), None
        return
    for i, raw in fields:
        if not raw:
            continue
        kind = typed.get(i)
        if kind is None:
            yield seg, i, field_text(raw, sep), None
            continue
        for value, qual in typed_values(kind, raw, sep):
            yield seg, i, value, qual


def extract_hl7(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Messages (batches too) streamed segment by segment; `line` counts segments in the object."""
    reader = TextLines(stream, ctx)  # universal newlines: \r, \n and \r\n all end a segment
    sep = Separators()
    base = ctx.base
    message = 0
    for n, raw in reader:
        line = raw.strip("\r\n\x0b\x1c ")
        if not line:
            continue
        if line.startswith("MSH"):
            message += 1
            sep = separators_from_msh(line)
        elif line.startswith(("FHS", "BHS")):
            sep = separators_from_msh(line)
        if len(line) < 4 or not line[:3].isalnum():
            yield Segment(line, at(base, line=n))
            continue
        for seg, idx, text, qual in parse_segment(line, sep):
            if text.strip():
                yield Segment(text, at(base, line=n, hl7=f"{seg}-{idx}"), field_label(seg, idx, qual))
