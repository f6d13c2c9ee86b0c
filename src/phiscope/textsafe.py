"""Text from an object store (keys, bucket and file names) made safe to show on a terminal.

A key can hold ANSI escape sequences (clear the screen, set the window title, fake a line) or rich
markup (`[link=...]`): both are shown as visible escapes, never interpreted.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(s: str) -> str:
    """Control characters as `\\xNN` escapes, rich markup escaped."""
    from rich.markup import escape

    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s))
