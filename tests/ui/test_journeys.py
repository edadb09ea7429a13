"""Pilot tests: whole journeys driven by the keyboard, checking the app's state at each step."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tui_cnn.core.model import LAYERS
from tui_cnn.ui.screens.explorer import ExplorerScreen
from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.screens.help import HelpScreen
from tui_cnn.ui.screens.picker import PickerScreen
from tui_cnn.ui.screens.too_small import TooSmallScreen
from tui_cnn.ui.widgets.feature_grid import FeatureGrid
from tui_cnn.ui.widgets.layer_list import LayerList


def explorer(app) -> ExplorerScreen:
    assert isinstance(app.explorer, ExplorerScreen)
    return app.explorer


async def test_pick_23_step_to_pool2_focus_channel_1_ascii(make_app, test_split):
    app = make_app(test_split)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("g", "2", "3", "enter")
        await pilot.pause()
        ex, state = explorer(app), app.state
        assert app.screen is ex and state.picture.index == 23 and state.picture.title == "test #23"
        assert state.picture.label == int(test_split.labels[23])
        for _ in range(3):
            await pilot.press("right_square_bracket")
        assert state.layer == 3 and LAYERS[state.layer].name == "pool2"
        grid = app.query_one(FeatureGrid)
        assert grid.total == 64
        await pilot.press("right", "enter")
        await pilot.pause()
        assert isinstance(app.screen, FocusScreen)
        assert (app.screen.layer_index, app.screen.channel) == (3, 1)
        np.testing.assert_array_equal(app.screen.values, state.acts.layer("pool2").values[:, :, 1])
        await pilot.press("right", "escape")
        await pilot.pause()
        assert app.screen is ex and grid.selected == 2 == state.channel  # the cursor follows the focus view
        await pilot.press("m")
        assert state.mode == "ascii" and grid.mode == "ascii"


async def test_step_through_all_layers_in_both_modes(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state = app.state
        for mode in ("heatmap", "ascii"):
            await pilot.press("1")
            seen = []
            for _ in LAYERS:
                seen.append((state.layer, app.query_one(FeatureGrid).showing_maps, state.mode))
                await pilot.press("right_square_bracket")
            assert [s[0] for s in seen] == list(range(7))
            assert [s[1] for s in seen] == [True, True, True, True, False, False, False]
            assert all(s[2] == mode for s in seen)
            await pilot.press("m")
        assert app.query_one(LayerList).highlighted == 6


async def test_fit_all_then_pages_cover_all_64_channels(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.query_one(FeatureGrid)
        title = app.query_one("#layer-title")
        assert app.state.zoom == "fit" and grid.visible_range() == (0, 63)  # all of conv1 at a glance
        shown = grid.view.shown
        assert shown[1] < 26 and f"64 of 64, each map at {shown[0]}x{shown[1]} of 26x26" in str(title.render())
        await pilot.press("z", "z")  # half size, then full size
        assert app.state.zoom == "full" and grid.view.shown == (26, 26)
        first, last = grid.visible_range()
        assert first == 0 and 0 < last < 63  # at full size conv1's maps do not all fit at 120x40
        covered = set()
        for _ in range(20):
            first, last = grid.visible_range()
            covered.update(range(first, last + 1))
            await pilot.press("pagedown")
        assert covered == set(range(64))
        assert "of 64" in str(title.render())


async def test_cursor_keys_and_tab_focus(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.query_one(FeatureGrid)
        assert app.focused is grid
        columns, _ = grid.layout_size()
        await pilot.press("l", "l", "j")
        assert grid.selected == 2 + columns
        await pilot.press("h", "k")
        assert grid.selected == 1
        await pilot.press("tab")
        assert app.focused is not grid
        await pilot.press("shift+tab")
        assert app.focused is grid


async def test_next_previous_and_sample_wraparound(make_app, samples):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state = app.state
        await pilot.press("n", "n")
        assert state.picture.index == 2
        await pilot.press("p", "p", "p")
        assert state.picture.index == len(samples) - 1


async def test_open_own_png_and_broken_file(make_app, tmp_path):
    picture = np.full((60, 40), 255, np.uint8)
    picture[10:50, 8:32] = 30  # a dark object on a white page
    good = tmp_path / "my shoe.png"
    Image.fromarray(picture).save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state = app.state
        await pilot.press("o", *str(good), "enter")
        await pilot.pause()
        assert state.picture.title == "my shoe.png" and state.picture.label is None
        assert state.picture.image.shape == (28, 28) and state.picture.image.max() == 255
        await pilot.press("o", *str(broken), "enter")
        await pilot.pause()
        assert state.picture.title == "my shoe.png"  # unchanged, and the app still runs
        messages = [n.message for n in app._notifications]
        assert any("broken.png" in m and "not a readable image" in m for m in messages)


async def test_help_and_command_palette(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ExplorerScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Heatmap or ASCII")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.state.mode == "ascii"


async def test_too_small_then_large_enough(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)


async def test_picker_filters_and_mistakes(make_app, test_split):
    app = make_app(test_split)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        picker = app.screen
        await pilot.press("3")
        assert len(picker.indices) == 1000 and (test_split.labels[picker.indices] == 3).all()
        await pilot.press("x")
        wrong = picker.indices
        assert 0 < len(wrong) < 1000
        assert (app.state.predictions[wrong] != test_split.labels[wrong]).all()
        await pilot.press("a")
        assert len(picker.indices) == (app.state.predictions != test_split.labels).sum()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is explorer(app) and app.state.picture.index == int(picker.indices[0])


@pytest.mark.parametrize("answer", ["abc", "99999"])
async def test_picker_rejects_bad_numbers(make_app, answer):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i", "g", *answer, "enter")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert any("not an image number" in n.message for n in app._notifications)


async def test_mouse_selects_and_opens_a_channel(make_app):
    app = make_app(start_index=9)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.query_one(FeatureGrid)
        cell_w = grid.view.shown[1] + 1  # maps one column apart
        await pilot.click(FeatureGrid, offset=(cell_w + 3, 4))
        assert grid.selected == 1 and isinstance(app.screen, ExplorerScreen)
        await pilot.click(FeatureGrid, offset=(cell_w + 3, 4))
        await pilot.pause()
        assert isinstance(app.screen, FocusScreen) and app.screen.channel == 1
