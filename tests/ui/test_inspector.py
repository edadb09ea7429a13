"""The pixel inspector in the focus view: snapshots of each kind, and the numbers it shows."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tui_cnn.core import explain, resemblance, wording
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


def test_inspector_80x24_keeps_the_cursor_and_its_patch_in_view(snap_compare, make_app):
    """At 80x24 the map and the input are drawn one under the other and do not both fit: the arrows
    move the cursor (not the scrolling pane) and the pane follows, the cursor and the patch it reads on screen."""
    assert snap_compare(make_app(start_index=9), press=["enter", "i", *["down"] * 10], terminal_size=(80, 24))


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


async def test_conv2_result_comes_before_its_breakdown(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("3", "enter", "i")
        lines = _panel_text(app).splitlines()
        verdict = next(i for i, line in enumerate(lines) if "✓ equals" in line)
        breakdown = next(i for i, line in enumerate(lines) if line.startswith("Where the sum comes from"))
        assert verdict < breakdown and verdict < 12  # on screen at 120x40, not below the fold


async def test_pool_inspector_explains_odd_sizes_and_its_colours(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("4", "enter", "i")
        text = " ".join(_panel_text(app).split())
        assert "11x11 -> 5x5: the last row and column fit in no 2x2 block and are dropped" in text
        assert "this pixel, and in conv2 the value that won its window" in text
        assert "the winners of the other windows" in text
        focus = app.screen
        cell = explain.pool_cell(focus.acts, "pool2", focus.channel, *focus.cursor)
        if (cell.window == cell.value).sum() > 1:
            assert "tie" in text
        assert ("silent" in text) == (cell.value == 0)


async def test_focus_view_counts_zeros_and_names_what_the_kernel_resembles(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        focus = app.screen
        assert isinstance(focus, FocusScreen)
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(focus.query_one("#focus-stats").content)
        text = " ".join(console.export_text().split())
        values = focus.values
        zeros = int((values == 0).sum())
        assert wording.share(zeros, values.size, "pixels") in text
        match = resemblance.closest(app.state.weights.conv1_kernel[:, :, 0, focus.channel])
        assert match.text() in text
