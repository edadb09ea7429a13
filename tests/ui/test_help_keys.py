"""Every row of the help screen names its key: none is blanked (the comma once was)."""

from __future__ import annotations

from textual.binding import Binding

from tui_cnn.ui.screens.help import _key_name, _sections


def test_every_help_row_shows_a_key():
    for title, bindings in _sections():
        for binding in bindings:
            assert _key_name(binding).strip(), f"{title}: {binding.description} has no key shown"


def test_key_names():
    assert _key_name(Binding("comma", "x", "Prev channel", key_display=",")) == ","
    assert _key_name(Binding("left,h", "x", "Left")) == "left h"
    assert _key_name(Binding("full_stop", "x", "Next")) == "full stop"
    assert _key_name(Binding("left_square_bracket", "x", "Prev")) == "["
