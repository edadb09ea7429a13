"""Any Keras CNN read without TensorFlow: every layer, shape, parameter count and explained cell equal to Keras.

The models come from ``zoo.py`` (built with Keras in the test session, saved as the user would).
Each is compared with Keras itself, layer by layer, on random inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import zoo as zoo_models
from core_helpers import one_line_error
from tui_cnn.core.network import ModelFileError, load_network

# Keras 3 with numpy 2 warns inside its own get_weights(); nothing tui-cnn can change.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _keras_outputs(model, x: np.ndarray) -> list[np.ndarray]:
    """Each layer's output in Keras, layer by layer (the model is a chain), at inference."""
    from tui_cnn.core.model import import_keras

    keras = import_keras()
    outputs = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        x = layer(x, training=False)
        outputs.append(np.asarray(x))
    return outputs


def _random_input(network, rng, n: int = 3) -> np.ndarray:
    return (rng.random((n, *network.input_shape)) * network.pixel_scale).astype(np.float32)


@pytest.mark.parametrize("name", zoo_models.SUPPORTED)
def test_every_layer_equals_keras(zoo, name):
    model, path = zoo(name)
    network = load_network(path)
    x = _random_input(network, np.random.default_rng(0))
    ours, theirs = network.forward(x), _keras_outputs(model, x)
    assert len(ours) == len(theirs)
    for layer, mine, keras_out in zip(network.layers, ours, theirs):
        np.testing.assert_allclose(mine, keras_out, **TOLERANCE, err_msg=f"{name}: {layer.name}")


@pytest.mark.parametrize("name", zoo_models.SUPPORTED)
def test_shapes_and_parameters_equal_keras_summary(zoo, name):
    model, path = zoo(name)
    network = load_network(path)
    keras_layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert [layer.name for layer in network.layers] == [layer.name for layer in keras_layers]
    for ours, theirs in zip(network.layers, keras_layers):
        assert ours.output_shape == tuple(theirs.output.shape[1:]), ours.name
        assert ours.params == theirs.count_params(), ours.name
        assert ours.keras_class == type(theirs).__name__
    assert network.params == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert network.trainable_params == trainable


@pytest.mark.parametrize("name", zoo_models.SUPPORTED)
def test_explained_cells_equal_keras(zoo, name):
    """The arithmetic of random output cells of every layer adds up to what Keras computed there."""
    model, path = zoo(name)
    network = load_network(path)
    rng = np.random.default_rng(1)
    x = _random_input(network, rng, n=1)
    theirs = _keras_outputs(model, x)
    inputs = [x[0]] + [out[0] for out in theirs[:-1]]
    for layer, source, keras_out in zip(network.layers, inputs, theirs):
        for _ in range(4):
            position = tuple(int(rng.integers(0, d)) for d in layer.output_shape)
            cell = layer.explain(source, position)
            np.testing.assert_allclose(cell.value, keras_out[0][position], **TOLERANCE,
                                       err_msg=f"{name}: {layer.name} at {position}")


def test_same_padding_is_shown_as_padding(zoo):
    """A corner cell of a 'same' convolution reads a patch that hangs over the border: zeros, marked as padding."""
    _, path = zoo("same_stride")
    network = load_network(path)
    conv = network.layers[0]
    image = np.random.default_rng(2).random(network.input_shape).astype(np.float32)
    cell = conv.explain(image, (0, 0, 0))
    assert (cell.top, cell.left) == (-1, -1)
    padded = cell.terms[0].padded
    assert padded[0].all() and padded[:, 0].all() and not padded[1:, 1:].any()
    assert (cell.terms[0].patch[padded] == 0).all()
    np.testing.assert_allclose(cell.terms[0].patch[1:, 1:], image[:2, :2, 0])


def test_average_pool_with_same_padding_divides_by_the_real_pixels(zoo):
    _, path = zoo("average_pool")
    network = load_network(path)
    pool = network.layers[3]  # AveragePooling2D(3, strides=2, padding="same") on a 10x10 map
    assert pool.output_shape[:2] == (5, 5)
    x = np.arange(10 * 10 * 8, dtype=np.float32).reshape(10, 10, 8)
    cell = pool.explain(x, (4, 4, 0))
    assert cell.count == 4  # a 3x3 window at the corner covers 2x2 real pixels
    assert cell.value == pytest.approx(x[8:, 8:, 0].mean())


@pytest.mark.parametrize("name", zoo_models.UNSUPPORTED)
def test_unsupported_models_are_refused_in_one_line(zoo, name):
    _, path = zoo(name)
    message = one_line_error(ModelFileError, load_network, path)
    assert zoo_models.UNSUPPORTED[name] in message and str(path) in message
    assert "supported" in message


def test_legacy_h5_reads_like_keras(zoo):
    model, path = zoo("mnist_h5")
    assert path.suffix == ".h5"
    network = load_network(path)
    assert [layer.keras_class for layer in network.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"]


def test_the_shipped_model_reads_as_the_lesson():
    from tui_cnn.core.paths import SHIPPED_MODEL

    network = load_network(SHIPPED_MODEL)
    assert [layer.output_shape for layer in network.layers] == [
        (26, 26, 64), (13, 13, 64), (11, 11, 64), (5, 5, 64), (1600,), (128,), (10,)]
    assert network.params == 243_786 and network.layers[-1].kind == "output"


def test_colour_model_rescales_pixels_itself(zoo):
    model, path = zoo("colour_32x32x3")
    network = load_network(path)
    assert network.pixel_scale == 255.0 and network.image_shape == (32, 32, 3)
    pictures = np.random.default_rng(3).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    expected = np.asarray(model(pictures.astype(np.float32), training=False))
    np.testing.assert_allclose(network.predict(pictures), expected, **TOLERANCE)


@pytest.mark.parametrize("name", ["lab_32", "batchnorm", "reshape_input", "colour_32x32x3"])
def test_summary_screen_rows_equal_keras(zoo, name):
    """The summary explains every layer by the general rule; its shapes and counts are Keras' own."""
    from tui_cnn.core import lesson

    model, path = zoo(name)
    table = lesson.summary_of(load_network(path))
    keras_layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for row, layer in zip(table.layers, keras_layers, strict=True):
        assert row.keras_shape == "(None, " + ", ".join(str(d) for d in layer.output.shape[1:]) + ")"
        assert row.params == layer.count_params() and row.shape_note and row.params_note
    assert table.total_params == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert table.trainable_params == trainable
    assert ("non-trainable (batch" in table.total_note) == (trainable != model.count_params())


def test_summary_rule_for_same_padding_and_stride(zoo):
    from tui_cnn.core import lesson

    _, path = zoo("same_stride")
    rows = lesson.summary_of(load_network(path)).layers
    assert "27x27x1 -> 27x27x8" in rows[0].shape_note and "ceil(27 / 1) = 27" in rows[0].shape_note
    assert "rows ceil(14 / 2) = 7, columns ceil(14 / 1) = 14" in rows[2].shape_note
    assert "rows floor((7 - 4) / 2) + 1 = 2, columns floor((14 - 4) / 2) + 1 = 6" in rows[3].shape_note
    assert rows[3].formula == "4x4x12x6 = 1,152"


def test_the_lessons_model_keeps_the_lessons_words():
    from tui_cnn.core import lesson
    from tui_cnn.core.model import read_weights
    from tui_cnn.core.paths import SHIPPED_MODEL

    network = load_network(SHIPPED_MODEL)
    assert network.lesson_weights() is not None
    read, lessons = lesson.summary_of(network), lesson.summary(read_weights(SHIPPED_MODEL))
    assert (read.input_shape, read.layers) == (lessons.input_shape, lessons.layers)
    assert read.keras_totals() == lessons.keras_totals()  # the file's optimizer bytes (an int64 step) round the same


def test_the_labs_variants_are_not_the_lesson(zoo):
    _, path = zoo("lab_32")
    assert load_network(path).lesson_weights() is None
