"""The explorer on models from the test zoo (tests/zoo.py): every layer listed, every spatial layer's
inspector adding up to the map, colour pictures in colour, and snapshots of a few of them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tui_cnn.ui.screens.focus import FocusScreen
from tui_cnn.ui.widgets.arithmetic_panel import ArithmeticPanel
from tui_cnn.ui.widgets.layer_list import LayerList

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
BIG = (120, 40)


def _text(renderable) -> str:
    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(renderable)
    return " ".join(console.export_text().split())


@pytest.mark.parametrize("name", ["same_stride", "batchnorm", "average_pool", "colour_32x32x3", "mnist_h5"])
async def test_every_spatial_layer_inspects_to_its_map(zoo_app, name):
    app = zoo_app(name)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        state = app.state
        assert app.query_one(LayerList).option_count == len(state.layers)
        for index, layer in enumerate(state.layers):
            assert state.layer == index
            assert layer.name in str(app.screen.query_one("#layer-title").render())
            if len(layer.output_shape) == 3 and len(layer.input_shape) == 3:
                await pilot.press("enter", "i", "right", "down")
                assert isinstance(app.screen, FocusScreen) and app.screen.inspecting
                text = _text(app.screen.query_one(ArithmeticPanel).content)
                assert "✓ equals the map's" in text, (layer.name, text)
                await pilot.press("escape", "escape")
            await pilot.press("right_square_bracket")


async def test_colour_model_shows_its_picture_in_colour_and_classes_as_numbers(zoo_app):
    app = zoo_app("colour_32x32x3")
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert app.state.picture.image.shape == (32, 32, 3)
        assert app.state.class_names[3] == "class 3"
        await pilot.press("S")  # the summary from the general rule
        text = _text(app.screen.query_one("#summary-table").content)
        assert "same padding gives ceil(n / s): ceil(32 / 1) = 32" in text
        assert f"Total params: {app.state.network.params:,}" in text


def test_explorer_colour_model(snap_compare, zoo_app):
    assert snap_compare(zoo_app("colour_32x32x3"), press=["2"], terminal_size=BIG)


def test_inspector_same_padding_and_stride(snap_compare, zoo_app):
    # conv 3x3 'same' on 27x27: the corner pixel's patch hangs over the border (shown as pad).
    corner = ["up"] * 27 + ["left"] * 27
    assert snap_compare(zoo_app("same_stride"), press=["enter", "i", *corner], terminal_size=BIG)


def test_explorer_batchnorm_80x24(snap_compare, zoo_app):
    assert snap_compare(zoo_app("batchnorm"), press=["3"], terminal_size=(80, 24))


def test_inspector_5x5_kernel_80x24(snap_compare, zoo_app):
    """In the narrow inspector a 5x5 patch and kernel go one under the other, every number whole, the result first."""
    assert snap_compare(zoo_app("kernel_5x5"), press=["enter", "i"], terminal_size=(80, 24))


def test_summary_long_layer_names_80x24(snap_compare, zoo_app):
    """Keras' long layer names (batch_normalization_1 (BatchNormalization)) wrap in their column, as model.summary() does."""
    assert snap_compare(zoo_app("batchnorm"), press=["S", *["down"] * 14], terminal_size=(80, 24))
