"""The filter lab: snapshots of its presets, a learned kernel and ASCII; the kernel edited by keyboard.

Review a changed SVG before accepting it (--snapshot-update): it is what a user will see.
"""

from __future__ import annotations

import numpy as np
import pytest

from tui_cnn.core import filters
from tui_cnn.ui.screens.explorer import ExplorerScreen
from tui_cnn.ui.screens.filter_lab import FilterLabScreen
from tui_cnn.ui.widgets.kernel_editor import KernelEditor

BIG = (120, 40)
START = 9  # the drawn ankle boot: straight edges in both directions


@pytest.mark.parametrize("preset", ["v", "h", "e"])
def test_filter_lab_preset(snap_compare, make_app, preset):
    assert snap_compare(make_app(start_index=START), press=["f", preset], terminal_size=BIG)


def test_filter_lab_learned_kernel(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["f", "l", "l", "l"], terminal_size=BIG)  # channel 2


def test_filter_lab_ascii(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["f", "m"], terminal_size=BIG)


def test_filter_lab_80x24_editing_a_cell(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["f", "e", "up", "left", "minus", "3"],
                        terminal_size=(80, 24))


def test_filter_lab_ascii_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["f", "m"], terminal_size=(80, 24))


async def open_lab(app, pilot) -> FilterLabScreen:
    await pilot.pause()
    await pilot.press("f")
    await pilot.pause()
    lab = app.screen
    assert isinstance(lab, FilterLabScreen)
    return lab


def assert_shows(lab: FilterLabScreen, kernel, weight: float = 1.0) -> None:
    want = filters.apply_filter(lab.picture.image, kernel, weight)
    np.testing.assert_array_equal(lab.filtered, want)
    np.testing.assert_array_equal(lab.pooled, filters.max_pool(want))
    assert lab.filtered.shape == (26, 26) and lab.pooled.shape == (13, 13)


async def test_edit_kernel_cells_by_keyboard(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        explorer = app.screen_stack[0]
        assert isinstance(explorer, ExplorerScreen)
        assert lab.picture is explorer.picture
        kernel = filters.PRESETS["vertical lines"].copy()
        assert_shows(lab, kernel)

        # The cursor starts in the middle: up, right is the top-right cell. Type 2.5 and keep it.
        await pilot.press("up", "right", "2", "full_stop", "5", "enter")
        await pilot.pause()
        kernel[0, 2] = 2.5
        assert_shows(lab, kernel)
        assert lab.edited and "edited" in str(lab.query_one("#lab-title").render())

        # + and - step by 1; "-" while typing flips the sign; an arrow keeps the number and moves.
        await pilot.press("down", "plus", "plus", "left", "3", "minus", "down")
        await pilot.pause()
        kernel[1, 2] += 2
        kernel[1, 1] = -3
        assert_shows(lab, kernel)
        editor = lab.query_one(KernelEditor)
        assert (editor.row, editor.col) == (2, 1)

        # Escape drops what was typed (and stays in the lab); Enter edits the current value.
        await pilot.press("7", "escape")
        await pilot.pause()
        assert app.screen is lab
        assert_shows(lab, kernel)
        await pilot.press("enter", "minus", "2", "enter")  # "-" replaces the value shown, like a digit
        await pilot.pause()
        kernel[2, 1] = -2
        assert_shows(lab, kernel)

        # w edits the weight: type a quarter; then + doubles it.
        await pilot.press("w", "0", "full_stop", "2", "5", "enter", "plus")
        await pilot.pause()
        assert lab.weight == 0.5
        assert_shows(lab, kernel, 0.5)

        # Delete zeroes a cell; a preset brings back the lesson's kernel and weight 1.
        await pilot.press("up", "delete")
        await pilot.pause()
        kernel[2, 1] = 0
        assert_shows(lab, kernel, 0.5)
        await pilot.press("e")
        await pilot.pause()
        assert_shows(lab, filters.PRESETS["edges"])
        assert not lab.edited

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is explorer


async def test_typing_nonsense_keeps_editing(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("1", "full_stop", "full_stop", "enter")  # "1.." is no number
        await pilot.pause()
        editor = lab.query_one(KernelEditor)
        assert editor.typed == "1.."
        assert_shows(lab, filters.PRESETS["vertical lines"])
        await pilot.press("backspace", "enter")
        await pilot.pause()
        kernel = filters.PRESETS["vertical lines"].copy()
        kernel[1, 1] = 1.0
        assert_shows(lab, kernel)


async def test_learned_kernels_cycle_through_conv1(make_app, shipped_weights):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("l", "l", "l")
        await pilot.pause()
        assert lab.channel == 2 and lab.source == "learned"
        kernel = shipped_weights.conv1_kernel[:, :, 0, 2]
        np.testing.assert_array_equal(lab.kernel, kernel)
        assert lab.weight == filters.fitting_weight(lab.picture.image, kernel)
        assert_shows(lab, kernel, lab.weight)
        assert "conv1 #2" in str(lab.query_one("#lab-title").render())
        await pilot.press("L", "L", "L")
        await pilot.pause()
        assert lab.channel == 63
        np.testing.assert_array_equal(lab.kernel, shipped_weights.conv1_kernel[:, :, 0, 63])


async def test_mode_follows_the_explorer_and_toggles(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("m")
        lab = await open_lab(app, pilot)
        assert lab.mode == "ascii"
        await pilot.press("m")
        assert lab.mode == "heatmap"


async def test_transpose_swaps_vertical_and_horizontal(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert lab.transposed and lab.source == "vertical lines"
        assert_shows(lab, filters.PRESETS["horizontal lines"])
        assert "transposed" in str(lab.query_one("#lab-title").render())
        notes = str(lab.query_one("#lab-notes").render())
        assert 'transposed is its "horizontal lines"' in notes and filters.ORIENTATION in notes.replace("\n", " ")
        await pilot.press("t")
        await pilot.pause()
        assert not lab.transposed
        assert_shows(lab, filters.PRESETS["vertical lines"])


async def test_the_weight_is_bounded_so_minus_undoes_plus(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("w", "enter", *["plus"] * 60)  # far past 2**20
        await pilot.pause()
        assert lab.weight == filters.WEIGHT_LIMIT
        assert np.isfinite(lab.filtered).all() and lab.filtered.max() == 255
        await pilot.press(*["minus"] * 20)
        await pilot.pause()
        assert lab.weight == 1.0
        assert_shows(lab, filters.PRESETS["vertical lines"])
