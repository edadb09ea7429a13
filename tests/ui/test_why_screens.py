"""The diagnostics in the app: confusion matrix screen, a channel's top images, where the model looked.

Journeys drive the keyboard and check what the screens hold against the core functions (themselves
checked against Keras in tests/test_diagnose*.py and tests/test_saliency.py), for the lesson's model
and for others from the zoo (tests/zoo.py: the lab's MNIST model, stride 2 with same padding, a flat
input reshaped, a colour model, a 3-class model). Snapshots show each screen at 120x40 and 80x24 on
a deterministic image set (the drawn samples, shifted and noised with a fixed seed, so the models
make some mistakes), the lesson's model's and a zoo model's.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from textual.widgets import Static

from core_helpers import sample_variants
from tui_cnn.core import confusion, occlusion, saliency, top_images
from tui_cnn.core.data import Split
from tui_cnn.core.model import LAYER_NAMES
from tui_cnn.ui.screens.confusion import ConfusionScreen
from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.screens.picker import PickerScreen
from tui_cnn.ui.screens.why import WhyScreen
from tui_cnn.ui.widgets.top_images_panel import TopImagesPanel

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
BIG, SMALL = (120, 40), (80, 24)


@pytest.fixture(scope="module")
def variants(samples) -> Split:
    """20 shifted, noisy copies of each of the 10 drawn samples (200 images), always the same."""
    return sample_variants(samples, 20)


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


@pytest.mark.parametrize("model", ["lesson", "colour_32x32x3"])
async def test_where_the_model_looked_for_the_predicted_and_a_chosen_class(make_app, zoo_app, model):
    app = make_app(start_index=6) if model == "lesson" else zoo_app(model)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await _settle(pilot)
        why = app.screen
        assert isinstance(why, WhyScreen) and why.target == why.acts.predicted
        await pilot.press("7")
        await _settle(pilot)
        assert why.target == 7
        occluded, salient = why.maps_for(7)
        image, network = app.state.picture.image, app.state.network
        assert image.shape == ((28, 28) if model == "lesson" else (32, 32, 3))
        np.testing.assert_allclose(occluded.pixels, occlusion.compute(network, image, 7).pixels, atol=1e-6)
        np.testing.assert_allclose(salient.gradient, saliency.compute(network, image, 7).gradient, atol=1e-6)
        await pilot.press("down", "down", "down")
        assert why.target == 0  # round the 10 classes


async def test_confusion_matrix_of_another_model_opens_its_worst_cell(zoo_app, variants):
    app = zoo_app("mnist", variants)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert app.state.weights is None  # not the lesson's architecture
        await pilot.press("x")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfusionScreen)
        expected = confusion.compute(app.state.network, variants.images, variants.labels)
        np.testing.assert_array_equal(screen.result.matrix, expected.matrix)
        worst = expected.worst_pairs(1)[0]
        assert screen.cursor == (worst.true, worst.predicted)
        await pilot.press("enter")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        np.testing.assert_array_equal(picker.indices, expected.images(worst.true, worst.predicted))
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.state.index == int(picker.indices[0])


async def test_top_images_through_stride_and_same_padding(zoo_app, variants):
    app = zoo_app("same_stride", variants)  # 27x27 input: conv same, max pool 3 stride 2 same, conv stride (2, 1)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("3", "enter", "right", "t")  # conv2d_1, channel 1
        await _settle(pilot)
        focus = app.screen
        assert isinstance(focus, FocusScreen) and focus.showing_top and focus.channel == 1
        panel = focus.query_one(TopImagesPanel)
        network = app.state.network
        assert network.layers[2].strides == (2, 1) and network.layers[2].padding == "same"
        expected = top_images.compute(network, app.state.images.images, 2)
        np.testing.assert_array_equal(panel.result.indices, expected.indices)
        np.testing.assert_array_equal(panel.result.regions, expected.regions)
        await pilot.press("right")  # channel 2 comes from the same scan
        assert panel.image_number(0) == int(expected.indices[2, 0])
        await pilot.press("2")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.state.index == int(expected.indices[2, 1])


async def test_top_images_of_a_model_that_reshapes_a_flat_input(zoo_app, variants):
    app = zoo_app("reshape_input", variants)  # input 784 values -> Reshape 28x28x1 -> conv -> pool...
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("3", "enter", "t")  # the max pooling after the convolution
        await _settle(pilot)
        focus = app.screen
        assert isinstance(focus, FocusScreen) and focus.showing_top
        expected = top_images.compute(app.state.network, variants.images, 2)
        panel = focus.query_one(TopImagesPanel)
        np.testing.assert_array_equal(panel.result.indices, expected.indices)
        top, left, bottom, right = panel.result.region(0, 0)
        assert bottom - top == right - left == 3  # a pooled pixel sees a 4x4 patch of the picture
        await pilot.press("m")  # ASCII: the thumbnails in characters, the frame in o's
        console = Console(width=60, file=io.StringIO(), record=True)
        console.print(panel.query_one("#top-grid", Static).content)
        drawn = console.export_text()
        assert "o" in drawn and "\u2580" not in drawn and "1 #" in drawn


async def test_why_screen_keeps_to_the_models_classes(zoo_app, samples):
    app = zoo_app("relu_settings")  # 12x12 pictures, 3 classes, no softmax at the end
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await _settle(pilot)
        why = app.screen
        assert isinstance(why, WhyScreen) and why.names == ("class 0", "class 1", "class 2")
        await pilot.press("2")
        await _settle(pilot)
        assert why.target == 2 and why.maps_for(2) is not None
        await pilot.press("7")  # no class 7: the target stays
        assert why.target == 2
        await pilot.press("down")
        assert why.target == 0


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


# --- models other than the lesson's (tests/zoo.py) ---------------------------------------------------------


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_confusion_screen_of_another_model_snapshot(snap_compare, zoo_app, variants, size):
    assert snap_compare(zoo_app("mnist", variants), run_before=_after("x"), terminal_size=size)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_top_images_of_a_colour_model_snapshot(snap_compare, zoo_app, size):
    keys = ("4", "enter", *["right"] * 5, "t")  # conv2d_1 channel 5: it fires on a few pictures
    assert snap_compare(zoo_app("colour_32x32x3", colour=12), run_before=_after(*keys), terminal_size=size)


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["120x40", "80x24"])
def test_why_screen_of_a_colour_model_snapshot(snap_compare, zoo_app, size):
    assert snap_compare(zoo_app("colour_32x32x3"), run_before=_after("y"), terminal_size=size)
