"""What comes from an untrusted store or server is shown escaped, capped, without credentials."""

from __future__ import annotations

from phiscope.storage.local import display_key
from phiscope.textsafe import printable, server_message, strip_url_credentials


def test_server_message_drops_quoted_values_digits_and_controls() -> None:
    msg = server_message('The key "Ada Quinnell 123-45-6789.csv" at <x>655-15-0410</x>\x1b[2J' + "x" * 500)
    assert "Ada" not in msg and "123" not in msg and "655" not in msg and "\x1b" not in msg
    assert msg.startswith("The key") and len(msg) <= 160


def test_credentials_are_stripped_from_urls() -> None:
    assert strip_url_credentials("http://user:p@ss@127.0.0.1:9000/b") == "http://127.0.0.1:9000/b"
    assert strip_url_credentials("https://s3.example.com/b") == "https://s3.example.com/b"
    assert strip_url_credentials(None) is None


def test_printable_escapes_terminal_controls_and_markup() -> None:
    shown = printable("a\x1b]0;owned\x07[link=http://x]b")
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b" in shown
    assert "\\[link" in shown


def test_non_utf8_names_are_escaped_stably() -> None:
    name = b"bad\xff\xfename.csv".decode("utf-8", "surrogateescape")
    assert display_key(name) == "bad\\xff\\xfename.csv"
    assert display_key("plain é.csv") == "plain é.csv"
