"""printable(): user-supplied text made safe for one terminal line, everything harmless kept."""

from __future__ import annotations

import pytest

from tui_cnn.core.errors import TuiCnnError
from tui_cnn.core.printable import printable


@pytest.mark.parametrize("raw, shown", [
    ("shoe.png", "shoe.png"),
    ("chaussure été 🙂.png", "chaussure été 🙂.png"),  # accents and emoji are printable
    ("a\x1b]2;PWNED\x07b.png", "a\\x1b]2;PWNED\\x07b.png"),  # would retitle the terminal
    ("\x1b[31mred", "\\x1b[31mred"),  # would turn the rest of the screen red
    ("two\nlines\r\tx", "two\\nlines\\r\\tx"),
    ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),  # DEL, and the 8-bit CSI that some terminals obey
    ("abc\u202egnp.exe", "abc\\u202egnp.exe"),  # right-to-left override
    ("line\u2028sep", "line\\u2028sep"),
    ("bad\udcffbyte", "bad\\udcffbyte"),  # a non-UTF-8 name decoded with surrogateescape
    ("\U000e0001tag", "\U000e0001tag"),  # a harmless format character is kept
])
def test_escapes_exactly_what_a_terminal_would_obey(raw, shown):
    assert printable(raw) == shown
    assert printable(shown) == shown  # escaping twice changes nothing
    printable(raw).encode("utf-8")  # always encodable, even from a lone surrogate


def test_every_code_point_comes_out_on_one_line_without_escapes():
    everything = "".join(chr(c) for c in range(0x3000)) + "\udc80\U0010ffff"
    out = printable(everything)
    assert "\x1b" not in out and "\n" not in out and "\x9b" not in out and len(out.splitlines()) == 1
    out.encode("utf-8")


def test_error_messages_are_printable_whatever_they_quote():
    assert str(TuiCnnError("evil\x1b[2J\nname.png: no such file")) == "evil\\x1b[2J\\nname.png: no such file"
