"""The pixel arithmetic the app shows must be what the model computed: checked against Keras itself."""

from __future__ import annotations

import numpy as np
import pytest

from tui_cnn.core import activations, explain
from tui_cnn.core.model import load_keras_model, read_weights
from tui_cnn.core.paths import SHIPPED_MODEL
from tui_cnn.core.samples import load_samples

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def weights():
    return read_weights(SHIPPED_MODEL)


@pytest.fixture(scope="module")
def images():
    """The drawn samples plus random noise images: a spread of inputs, none from a dataset."""
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    return np.concatenate([load_samples().images, noise])


@pytest.fixture(scope="module")
def keras_layers(images):
    """Every layer's output for every image, computed by Keras from the shipped file."""
    import keras

    model = load_keras_model(SHIPPED_MODEL)
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
    outputs = probe(images[..., None].astype("float32") / 255.0)
    return {layer.name: np.asarray(out) for layer, out in zip(model.layers, outputs)}


def _cells(rng, shape, n):
    h, w, c = shape
    return zip(rng.integers(0, h, n), rng.integers(0, w, n), rng.integers(0, c, n))


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_conv_cells_add_up_to_keras(weights, images, keras_layers, layer):
    rng = np.random.default_rng(11)
    checked = 0
    for i, image in enumerate(images):
        acts = activations.compute(weights, image)
        for row, col, ch in _cells(rng, acts.layer(layer).shape, 40):
            cell = explain.conv_cell(weights, acts, layer, ch, row, col)
            expected = keras_layers[layer][i, row, col, ch]
            assert cell.value == pytest.approx(expected, abs=1e-5)
            # The terms the panel writes out really are the patch under the filter times the kernel.
            assert len(cell.terms) == (1 if layer == "conv1" else 64)
            term = cell.terms[int(rng.integers(len(cell.terms)))]
            assert term.products == pytest.approx(term.patch * term.kernel)
            assert cell.pre_activation == pytest.approx(sum(t.total for t in cell.terms) + cell.bias)
            checked += 1
    assert checked == 40 * len(images)


def test_conv_cell_patch_is_the_input_under_the_filter(weights, images):
    acts = activations.compute(weights, images[9])
    cell = explain.conv_cell(weights, acts, "conv1", 5, 10, 20)
    assert cell.terms[0].patch == pytest.approx(images[9][10:13, 20:23] / 255.0)
    cell2 = explain.conv_cell(weights, acts, "conv2", 7, 3, 4)
    assert cell2.terms[12].patch == pytest.approx(acts.layer("pool1").values[3:6, 4:7, 12])
    assert cell2.terms[12].kernel == pytest.approx(weights.conv2_kernel[:, :, 12, 7])
    strongest = cell2.strongest(3)
    assert [abs(t.total) for t in strongest] == sorted((abs(t.total) for t in cell2.terms), reverse=True)[:3]


@pytest.mark.parametrize("layer, before", [("pool1", "conv1"), ("pool2", "conv2")])
def test_pool_cells_pick_the_window_maximum(weights, images, keras_layers, layer, before):
    rng = np.random.default_rng(12)
    for i, image in enumerate(images):
        acts = activations.compute(weights, image)
        source = acts.layer(before).values
        for row, col, ch in _cells(rng, acts.layer(layer).shape, 40):
            cell = explain.pool_cell(acts, layer, ch, row, col)
            window = source[2 * row : 2 * row + 2, 2 * col : 2 * col + 2, ch]
            r, c = cell.winner
            assert window[r, c] == window.max() == cell.value
            assert cell.value == pytest.approx(keras_layers[layer][i, row, col, ch], abs=1e-5)


def test_pool_winners_mask(weights, images):
    acts = activations.compute(weights, images[7])
    conv2 = acts.layer("conv2").values[:, :, 3]  # 11x11: the last row and column are never pooled
    mask = explain.pool_winners(conv2)
    assert mask.sum() == 25 and not mask[10].any() and not mask[:, 10].any()
    assert np.array_equal(np.sort(conv2[mask]), np.sort(acts.layer("pool2").values[:, :, 3].ravel()))
    flat = np.zeros((4, 4))
    flat[0, 1] = 2.0
    decisive = explain.pool_winners(flat, only_decisive=True)
    assert decisive.sum() == 1 and decisive[0, 1]


def test_wrong_layer_kind_is_refused(weights, images):
    acts = activations.compute(weights, images[0])
    with pytest.raises(ValueError):
        explain.conv_cell(weights, acts, "pool1", 0, 0, 0)
    with pytest.raises(ValueError):
        explain.pool_cell(acts, "conv1", 0, 0, 0)
