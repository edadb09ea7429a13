"""The lesson's screens: the explained model summary (S) and the course's comparison grid (C).

Snapshots at fixed sizes on the deterministic app; pilot tests drive the keys and check that the
maps on screen are exactly the core's activations for the images and channel chosen.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console

from tui_cnn.core import activations
from tui_cnn.core.model import LAYERS, read_weights
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.ui.screens.compare import CompareScreen, compared_layers
from tui_cnn.ui.screens.explorer import ExplorerScreen
from tui_cnn.ui.screens.help import HelpScreen
from tui_cnn.ui.screens.prompt_modal import PromptModal
from tui_cnn.ui.screens.summary import SummaryScreen
from tui_cnn.ui.widgets.comparison_grid import ComparisonGrid, resize_map

BIG = (120, 40)
SMALL = (80, 24)


# --- snapshots -------------------------------------------------------------------------------------


def test_summary_120x40(snap_compare, make_app):
    assert snap_compare(make_app(), press=["S"], terminal_size=BIG)


def test_summary_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), press=["S"], terminal_size=SMALL)


def test_compare_samples_channel_2(snap_compare, make_app):
    assert snap_compare(make_app(), press=["C", "right"], terminal_size=BIG)


def test_compare_samples_80x24_ascii_shared_scale_channel_2(snap_compare, make_app):
    assert snap_compare(make_app(), press=["C", "right", "m", "s"], terminal_size=SMALL)


def test_compare_course_images_channel_2(snap_compare, make_app, test_split):
    assert snap_compare(make_app(test_split), press=["C", "right"], terminal_size=BIG)


# --- pilot journeys --------------------------------------------------------------------------------


def _plain(static, width: int = 120) -> str:
    """What a Static shows, as plain text (its content may be any Rich renderable)."""
    console = Console(width=width, color_system=None, file=None)
    with console.capture() as capture:
        console.print(static.content)
    return capture.get()


def _expected(weights, images, index: int, channel: int) -> list[np.ndarray]:
    acts = activations.compute(weights, images.images[index])
    return [acts.layer(spec.name).values[:, :, channel] for spec in compared_layers(LAYERS)]


def _assert_maps_shown(screen: CompareScreen, images) -> None:
    weights = read_weights(SHIPPED_MODEL)
    grid = screen.query_one(ComparisonGrid)
    assert len(grid.rows) == 3
    for row, index in zip(grid.rows, screen.indices):
        assert row.title.endswith(f"#{index}")
        for shown, want in zip(row.maps, _expected(weights, images, index, screen.channel)):
            np.testing.assert_allclose(shown, want, rtol=1e-6, atol=1e-6)  # BLAS order may differ


async def test_compare_channel_and_images_by_keyboard(make_app, samples):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        # The drawn samples stand in for the course's three ankle boots with their three shoes.
        assert screen.indices == [5, 7, 9] and screen.channel == 1 and screen.row == 0
        assert "drawn samples #5, #7, #9" in str(screen.query_one("#compare-title").render())
        _assert_maps_shown(screen, samples)

        await pilot.press("right", "right", "plus", "left", "minus")
        assert screen.channel == 2
        assert "channel 2 of 64" in str(screen.query_one("#compare-title").render())
        await pilot.press("left", "left", "left")
        assert screen.channel == 63  # wraps around
        await pilot.press("number_sign")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("4", "0", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.channel == 40

        await pilot.press("2", "n", "n", "n")
        assert screen.row == 1 and screen.indices == [5, 0, 9]  # 7 -> 8 -> 9 -> wraps to 0
        await pilot.press("p")
        assert screen.indices == [5, 9, 9]
        await pilot.press("down", "g")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("3", "enter")
        await pilot.pause()
        assert screen.row == 2 and screen.indices == [5, 9, 3]
        _assert_maps_shown(screen, samples)

        await pilot.press("s")
        grid = screen.query_one(ComparisonGrid)
        assert grid.scale == "column" and grid.selected == 2
        for column, (lo, hi) in enumerate(grid.column_ranges()):
            values = np.stack([row.maps[column] for row in grid.rows])
            assert (lo, hi) == (float(values.min()), float(values.max()))
        await pilot.press("m")
        assert grid.mode == "ascii"

        # A wrong answer changes nothing and says why in one line.
        await pilot.press("number_sign", "x", "enter")
        await pilot.pause()
        assert screen.channel == 40
        assert any("not a channel number" in n.message for n in app._notifications)

        await pilot.press("d")
        assert screen.indices == [5, 7, 9] and screen.row == 0 and screen.channel == 40
        _assert_maps_shown(screen, samples)
        await pilot.press("escape")
        assert isinstance(app.screen, ExplorerScreen)


async def test_compare_opens_on_the_course_images(make_app, test_split):
    app = make_app(test_split)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.indices == [0, 23, 28] and screen.channel == 1
        assert [row.caption for row in screen.query_one(ComparisonGrid).rows] == ["Ankle boot"] * 3
        _assert_maps_shown(screen, test_split)
        await pilot.press("3", "g", "1", "0", "0", "enter", "right")
        await pilot.pause()
        assert screen.indices == [0, 23, 100] and screen.channel == 2
        _assert_maps_shown(screen, test_split)


async def test_summary_opens_scrolls_and_closes(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        await pilot.press("S")
        assert isinstance(app.screen, SummaryScreen)
        text = _plain(app.screen.query_one("#summary-table"), 76)
        for number in ("(None, 26, 26, 64)", "(None, 5, 5, 64)", "3x3x1x64 + 64", "3x3x64x64 + 64",
                       "1600x128 + 128", "128x10 + 10", "Trainable params: 243,786", "Total params: 731,360",
                       "Optimizer params: 487,574"):
            assert number in text
        body = app.screen.query_one("#summary-body")
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("escape")
        assert isinstance(app.screen, ExplorerScreen)


async def test_help_lists_the_lesson_screens(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(_plain(static) for static in app.screen.query("Static"))
        assert "Model summary" in text and "Course comparison" in text and "Type channel" in text


# --- resizing maps to one size -------------------------------------------------------------------------


def test_resize_map_enlarges_by_copying_and_shrinks_by_averaging():
    small = np.arange(25, dtype=float).reshape(5, 5)
    np.testing.assert_array_equal(resize_map(small, 20), np.kron(small, np.ones((4, 4))))
    np.testing.assert_array_equal(resize_map(small, 5), small)
    big = np.random.default_rng(0).random((26, 26))
    np.testing.assert_allclose(resize_map(big, 13), big.reshape(13, 2, 13, 2).mean(axis=(1, 3)))
    shrunk = resize_map(big, 22)  # not a whole factor: overlaps weighted by area
    assert shrunk.shape == (22, 22)
    np.testing.assert_allclose(shrunk.mean(), big.mean())
    assert big.min() <= shrunk.min() and shrunk.max() <= big.max()
