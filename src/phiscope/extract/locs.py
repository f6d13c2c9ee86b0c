"""Fast Location building: most objects are not archive members, so the base is usually empty."""

from __future__ import annotations

from typing import Any

from phiscope.model import Location

_EMPTY = Location()


def at(base: Location, **fields: Any) -> Location:
    """`base` with `fields` set; skips the generic copy when the base is empty (the hot path)."""
    if base == _EMPTY:
        return Location(**fields)
    return base.with_(**fields)


def member_path(base: Location, name: str) -> str:
    """Archive member path, nested archives joined with "!/"."""
    return f"{base.member}!/{name}" if base.member else name
