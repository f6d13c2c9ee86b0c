"""Fast Location building: most objects are not archive members, so the base is usually empty."""

from __future__ import annotations

from typing import Any

from phiscope.model import Location

NOWHERE = Location()  # the base of an object that is not inside another one (shared: frozen)


def at(base: Location, **fields: Any) -> Location:
    """`base` with `fields` set; skips the generic copy when the base is empty (the hot path:
    HL7 and FHIR give every field its own location, so the emptiness test is by identity first)."""
    if base is NOWHERE or base == NOWHERE:
        return Location(**fields)
    return base.with_(**fields)


def member_path(base: Location, name: str) -> str:
    """Archive member path, nested archives joined with "!/"."""
    return f"{base.member}!/{name}" if base.member else name
