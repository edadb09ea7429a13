"""The filter lab: snapshots of its presets, a learned kernel and ASCII; the kernel edited by keyboard.

Review a changed SVG before accepting it (--snapshot-update): it is what a user will see.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from textual.widgets import OptionList

from tui_cnn.core import filters, resemblance
from tui_cnn.core.images import fit_gray, read_gray
from tui_cnn.core.paths import SCENE_PATH
from tui_cnn.ui.screens.filter_lab import FilterLabScreen
from tui_cnn.ui.widgets.filter_maps import FilterMaps, Layout
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


def test_kernel_list_80x24(snap_compare, make_app):
    assert snap_compare(make_app(start_index=START), press=["f", "k", "down"], terminal_size=(80, 24))


async def open_lab(app, pilot) -> FilterLabScreen:
    await pilot.pause()
    await pilot.press("f")
    await pilot.pause()
    lab = app.screen
    assert isinstance(lab, FilterLabScreen)
    return lab


def assert_shows(lab: FilterLabScreen, kernel, weight: float = 1.0) -> None:
    want = filters.apply_filter(lab.image, kernel, weight)
    np.testing.assert_array_equal(lab.filtered, want)
    np.testing.assert_array_equal(lab.pooled, filters.max_pool(want))
    if lab.showing == "image":
        assert lab.image is lab.picture.image
        assert lab.filtered.shape == (26, 26) and lab.pooled.shape == (13, 13)


async def test_edit_kernel_cells_by_keyboard(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        assert lab.picture is app.state.picture
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
        assert app.screen is app.explorer


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


async def test_learned_kernels_walk_the_ranking(make_app, shipped_weights):
    app = make_app(start_index=START)
    ranking = resemblance.ranked(shipped_weights.conv1_kernel)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("l", "l", "l")
        await pilot.pause()
        channel, match = ranking[2]  # the third most like a hand-made filter
        assert lab.channel == channel and lab.source == "learned"
        kernel = shipped_weights.conv1_kernel[:, :, 0, channel]
        np.testing.assert_array_equal(lab.kernel, kernel)
        assert lab.weight == filters.fitting_weight(lab.image, kernel)
        assert_shows(lab, kernel, lab.weight)
        assert f"conv1 #{channel}" in str(lab.query_one("#lab-title").render())
        notes = str(lab.query_one("#lab-notes").render())
        assert match.text() in notes and "#3 of 64 by resemblance" in notes
        await pilot.press("p")  # another picture: the weight is fitted to it
        await pilot.pause()
        assert lab.showing == "scene" and lab.weight == filters.fitting_weight(lab.image, kernel)
        assert_shows(lab, kernel, lab.weight)
        await pilot.press("L", "L", "L")
        await pilot.pause()
        assert lab.channel == ranking[-1][0]  # back past the first: the least alike
        np.testing.assert_array_equal(lab.kernel, shipped_weights.conv1_kernel[:, :, 0, ranking[-1][0]])


async def test_the_kernel_list_is_sorted_and_loads_a_choice(make_app, shipped_weights):
    app = make_app(start_index=START)
    ranking = resemblance.ranked(shipped_weights.conv1_kernel)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("k")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        shown = [options.get_option_at_index(i) for i in range(options.option_count)]
        assert [int(option.id) for option in shown] == [channel for channel, _ in ranking]
        assert ranking[0][1].name in str(shown[0].prompt)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.screen is lab and lab.channel == ranking[2][0]


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


async def test_the_drawn_scene_is_shown_as_large_as_the_pane_allows(make_app):
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        assert lab.showing == "scene"
        maps = lab.query_one(FilterMaps)
        height, width = lab.image.shape
        assert (height, width) == maps.picture_room(1.0) and width > 28
        assert maps.fitting_layout()[0] == Layout()  # one cell a pixel: nothing halved
        assert lab.filtered.shape == (height - 2, width - 2)
        assert lab.pooled.shape == ((height - 2) // 2, (width - 2) // 2)
        np.testing.assert_array_equal(lab.image, fit_gray(read_gray(SCENE_PATH), height, width))
        assert_shows(lab, filters.PRESETS["vertical lines"])
        assert "drawn scene 512x512 shown at" in str(lab.query_one("#lab-title").render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert lab.image.shape[0] < height  # refitted to the smaller pane
        assert_shows(lab, filters.PRESETS["vertical lines"])
        await pilot.press("p")  # no file opened: back to the explorer's image
        await pilot.pause()
        assert lab.showing == "image"
        assert_shows(lab, filters.PRESETS["vertical lines"])


async def test_an_opened_file_is_shown_in_grayscale_as_it_is(make_app, tmp_path):
    picture = np.full((200, 300), 220, np.uint8)  # a light background stays light: no inversion
    picture[:, 140:160] = 30  # a dark vertical bar
    path = tmp_path / "bar.png"
    Image.fromarray(picture).convert("RGB").save(path)
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    app = make_app(start_index=START)
    async with app.run_test(size=BIG) as pilot:
        lab = await open_lab(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*str(tmp_path / "broken.png"), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is lab and lab.showing == "image"
        assert any("broken.png: not a readable image" in n.message for n in app._notifications)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*str(path), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lab.showing == "file"
        height, width = lab.image.shape
        assert abs(width / height - 1.5) < 0.1 and width <= 300
        assert lab.image[0, 0] == 220 and lab.image.mean() > 128
        assert_shows(lab, filters.PRESETS["vertical lines"])
        assert "bar.png 300x200" in str(lab.query_one("#lab-title").render())
        await pilot.press("p", "p")  # file -> image -> scene
        await pilot.pause()
        assert lab.showing == "scene"
        await pilot.press("p")
        await pilot.pause()
        assert lab.showing == "file"


SCENE_KEYS = {"vertical": ["v"], "horizontal": ["h"], "edges": ["e"], "vertical-transposed": ["v", "t"]}


@pytest.mark.parametrize("size", [BIG, (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("kernel", SCENE_KEYS)
def test_filter_lab_on_the_drawn_scene(snap_compare, make_app, kernel, size):
    assert snap_compare(make_app(start_index=START), press=["f", "p", *SCENE_KEYS[kernel]], terminal_size=size)
