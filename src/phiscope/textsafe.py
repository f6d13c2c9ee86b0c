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


_QUOTED = re.compile(r"""(["'`<\[{]).*?(["'`>\]}])""")
_DIGITS = re.compile(r"\d")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/\s]*@")
MESSAGE_CAP = 160


def server_message(msg: str) -> str:
    """A storage server's error message as it may be stored: the server is untrusted and may quote a
    key, a header or a value back. Quoted parts dropped, digits masked, controls removed, capped."""
    msg = _CONTROL.sub(" ", str(msg))
    msg = _QUOTED.sub(lambda m: m.group(1) + "…" + m.group(2), msg)
    msg = _DIGITS.sub("#", msg)
    msg = _URL_CREDENTIALS.sub("", msg)
    return msg if len(msg) <= MESSAGE_CAP else msg[: MESSAGE_CAP - 1] + "…"


def strip_url_credentials(url: str | None) -> str | None:
    """`https://user:password@host/` → `https://host/` (never store or print credentials)."""
    if not url:
        return url
    return _URL_CREDENTIALS.sub("", url)


_LETTERS = re.compile(r"[^\W\d_]+")
_EXT = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def mask_label(s: str) -> str:
    """A name or key that holds personal data, masked like an excerpt: the first letter of each word,
    every digit as `#` (`Ada Quinnell 123-45-6789.csv` → `A** Q******* ###-##-####.csv`)."""
    m = _EXT.search(s)
    stem, ext = (s[: m.start()], m.group()) if m else (s, "")
    stem = _DIGITS.sub("#", stem)
    stem = _LETTERS.sub(lambda w: w.group()[0] + "*" * (len(w.group()) - 1), stem)
    return stem + ext


_NAME_SEPARATORS = re.compile(r"[/\\_+=]+")


def name_as_text(name: str) -> str:
    """A path or file name as the detectors read text: path and word separators as spaces
    (`exports/Ada_Quinnell_612-33-9014.csv` → `exports Ada Quinnell 612-33-9014.csv`)."""
    return _NAME_SEPARATORS.sub(" ", name)
