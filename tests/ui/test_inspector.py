"""The pixel inspector in the focus view: snapshots of each kind, and the numbers it shows."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tui_cnn.core import explain
from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.widgets.arithmetic_panel import ArithmeticPanel

BIG = (120, 40)


@pytest.mark.parametrize("layer, keys", [
    ("conv1", ["enter", "i"]),
    ("conv2", ["3", "enter", "i", "left", "up"]),
    ("pool1", ["2", "enter", "i", "down"]),
    ("pool2", ["4", "right", "enter", "i"]),
])
def test_inspector_snapshot(snap_compare, make_app, layer, keys):
    assert snap_compare(make_app(start_index=9), press=keys, terminal_size=BIG)


def test_inspector_ascii_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=9), press=["enter", "i", "m"], terminal_size=(80, 24))


def _panel_text(app) -> str:
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(app.screen.query_one(ArithmeticPanel).content)
    return console.export_text()


async def test_cursor_moves_and_the_panel_checks_out(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("3", "enter", "i")
        focus = app.screen
        assert isinstance(focus, FocusScreen) and focus.inspecting
        start = focus.cursor
        await pilot.press("left", "left", "up")
        assert focus.cursor == (max(start[0] - 1, 0), max(start[1] - 2, 0))
        for _ in range(15):  # the cursor stops at the border
            await pilot.press("down", "right")
        assert focus.cursor == (10, 10)
        cell = explain.conv_cell(app.state.weights, focus.acts, "conv2", focus.channel, 10, 10)
        text = _panel_text(app)
        assert f"pixel row 10, col 10" in text and "✓ equals" in text
        assert f"{cell.bias:+.4f}" in text
        await pilot.press("escape")
        assert not focus.inspecting and app.screen is focus  # Escape leaves the inspector first
        await pilot.press("right")
        assert focus.channel == 1  # arrows change channel again


async def test_pool_inspector_names_the_winner(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("2", "enter", "i")
        focus = app.screen
        row, col = focus.cursor
        cell = explain.pool_cell(focus.acts, "pool1", focus.channel, row, col)
        r, c = cell.winner
        assert f"row {cell.top + r}, col {cell.left + c}" in _panel_text(app)


async def test_no_inspector_for_dense_layers(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("5")
        assert not isinstance(app.screen, FocusScreen)  # Enter has no grid to open on a vector layer
