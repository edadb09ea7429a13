"""The diagnostics in the app: confusion matrix screen, a channel's top images, where the model looked.

Journeys drive the keyboard and check what the screens hold against the core functions; snapshots
show each screen at 120x40 and 80x24 on a deterministic image set (the drawn samples, shifted and
noised with a fixed seed, so the shipped model makes some mistakes).
"""

from __future__ import annotations

import numpy as np
import pytest

from tui_cnn.core import confusion, occlusion, saliency, top_images
from tui_cnn.core.data import Split
from tui_cnn.core.model import LAYER_NAMES
from tui_cnn.ui.screens.confusion import ConfusionScreen
from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.screens.picker import PickerScreen
from tui_cnn.ui.screens.why import WhyScreen
from tui_cnn.ui.widgets.top_images_panel import TopImagesPanel

BIG, SMALL = (120, 40), (80, 24)


@pytest.fixture(scope="module")
def variants(samples) -> Split:
    """20 shifted, noisy copies of each of the 10 drawn samples (200 images), always the same."""
    rng = np.random.default_rng(12)
    images, labels = [], []
    for image, label in zip(samples.images, samples.labels):
        for _ in range(20):
            moved = np.roll(image, tuple(rng.integers(-3, 4, 2)), axis=(0, 1)).astype(np.int16)
            moved += rng.integers(-60, 60, moved.shape)
            images.append(np.clip(moved, 0, 255).astype(np.uint8))
            labels.append(label)
    return Split(np.stack(images), np.array(labels, np.uint8), "variants of the drawn samples")


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_confusion_matrix_cell_opens_exactly_its_images_then_the_explorer(make_app, variants):
    app = make_app(variants)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfusionScreen)
        expected = confusion.compute(app.state.weights, variants.images, variants.labels)
        np.testing.assert_array_equal(screen.result.matrix, expected.matrix)
        worst = expected.worst_pairs(2)
        assert worst and screen.cursor == (worst[0].true, worst[0].predicted)  # starts on the worst confusion
        await pilot.press("w")
        assert screen.cursor == (worst[1].true, worst[1].predicted)
        await pilot.press("enter")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        np.testing.assert_array_equal(picker.indices, expected.images(worst[1].true, worst[1].predicted))
        await pilot.press("right", "enter")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # back in the explorer
        assert app.state.index == int(picker.indices[1])
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.result is not None  # the second time it comes from the cache at once


async def test_top_images_of_a_channel_and_opening_one(make_app, variants):
    app = make_app(variants)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("3", "enter", "right", "t")
        await _settle(pilot)
        focus = app.screen
        assert isinstance(focus, FocusScreen) and focus.showing_top and focus.channel == 1
        panel = focus.query_one(TopImagesPanel)
        expected = top_images.compute(app.state.weights, variants.images, LAYER_NAMES.index("conv2"))
        np.testing.assert_array_equal(panel.result.indices, expected.indices)
        await pilot.press("right")  # the next channel comes from the same scan
        assert panel.image_number(0) == int(expected.indices[2, 0])
        await pilot.press("3")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.state.index == int(expected.indices[2, 2])


async def test_where_the_model_looked_for_the_predicted_and_a_chosen_class(make_app):
    app = make_app(start_index=6)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await _settle(pilot)
        why = app.screen
        assert isinstance(why, WhyScreen) and why.target == why.acts.predicted
        await pilot.press("0")
        await _settle(pilot)
        assert why.target == 0
        occluded, salient = why.maps_for(0)
        image = app.state.images.images[6]
        np.testing.assert_allclose(occluded.pixels, occlusion.compute(app.state.weights, image, 0).pixels, atol=1e-6)
        np.testing.assert_allclose(salient.gradient, saliency.compute(app.state.weights, image, 0).gradient, atol=1e-6)
        await pilot.press("up")
        assert why.target == 9


def _after(*keys: str):
    async def run(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return run


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_confusion_screen_snapshot(snap_compare, make_app, variants, size):
    assert snap_compare(make_app(variants), run_before=_after("x"), terminal_size=size)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_top_images_snapshot(snap_compare, make_app, variants, size):
    assert snap_compare(make_app(variants), run_before=_after("3", "enter", "t"), terminal_size=size)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_why_screen_snapshot(snap_compare, make_app, size):
    assert snap_compare(make_app(start_index=6), run_before=_after("y", "4"), terminal_size=size)
