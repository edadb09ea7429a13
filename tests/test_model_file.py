"""Reading .keras files without TensorFlow: the shipped model, the lesson's own, and files that are not."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from tui_cnn.core import activations
from tui_cnn.core.data import to_model_input
from tui_cnn.core.model import (
    LAYER_NAMES,
    ModelFileError,
    Weights,
    import_keras,
    layer_index,
    load_keras_model,
    read_weights,
)
from tui_cnn.core.paths import SHIPPED_MODEL
from core_helpers import one_line_error

# Keras 3 with numpy 2 warns inside its own get_weights(); nothing tui-cnn can change.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _model_error(path, reader=read_weights) -> str:
    return one_line_error(ModelFileError, reader, path)


def test_shipped_model_has_the_lesson_shapes():
    weights = read_weights(SHIPPED_MODEL)
    assert weights.param_count() == 243_786
    for layer, (kernel_shape, bias_shape) in Weights.EXPECTED.items():
        assert weights.kernel(layer).shape == kernel_shape and weights.bias(layer).shape == bias_shape
        assert weights.kernel(layer).dtype == np.float32
        assert np.abs(weights.kernel(layer)).max() > 0.01, f"{layer} looks untrained"


def test_weights_read_from_file_equal_the_keras_models(keras_model, keras_model_file):
    from_file, from_keras = read_weights(keras_model_file), Weights.from_keras(keras_model)
    for layer in Weights.EXPECTED:
        np.testing.assert_array_equal(from_file.kernel(layer), from_keras.kernel(layer))
        np.testing.assert_array_equal(from_file.bias(layer), from_keras.bias(layer))
    biases = [from_file.bias(layer) for layer in Weights.EXPECTED]
    assert all(b.any() for b in biases), "the fixture's biases should be non-zero, or their mapping is untested"


# --- broken and foreign files --------------------------------------------------------------------------


def test_missing_file(tmp_path):
    assert "not found" in _model_error(tmp_path / "nope.keras")


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.keras"
    path.write_text("not a model\nat all\n")
    assert "not a readable .keras model file" in _model_error(path)


def test_truncated_model(tmp_path, keras_model_file):
    path = tmp_path / "cut.keras"
    data = keras_model_file.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _model_error(path)


def _zip(path, members: dict[str, bytes | str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return path


def test_zip_that_is_not_a_keras_model(tmp_path):
    path = _zip(tmp_path / "photos.keras", {"holiday.jpg": b"\xff\xd8\xff"})
    assert "config.json" in _model_error(path)


def test_zip_with_config_but_no_weights(tmp_path):
    path = _zip(tmp_path / "half.keras", {"config.json": json.dumps({"config": {"layers": []}})})
    _model_error(path)


@pytest.mark.parametrize("config", ["[1, 2]", '"text"', '{"config": 3}', "{not json"])
def test_config_that_is_not_a_models(tmp_path, keras_model_file, config):
    with zipfile.ZipFile(keras_model_file) as original:
        weights = original.read("model.weights.h5")
    path = _zip(tmp_path / "odd.keras", {"config.json": config, "model.weights.h5": weights})
    _model_error(path)


@pytest.fixture(scope="module")
def other_models(tmp_path_factory):
    """Models that are not the lesson's, saved as .keras files (built once; they take Keras a moment)."""
    keras = import_keras()
    layers = keras.layers
    folder = tmp_path_factory.mktemp("other-models")

    def lesson(conv_filters=64, pool=layers.MaxPooling2D, extra=(), names=True):
        def name(n):
            return {"name": n} if names else {}

        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(conv_filters, (3, 3), activation="relu", **name("conv1")),
            pool(2, 2, **name("pool1")),
            layers.Conv2D(64, (3, 3), activation="relu", **name("conv2")),
            layers.MaxPooling2D(2, 2, **name("pool2")),
            layers.Flatten(**name("flatten")),
            layers.Dense(128, activation="relu", **name("dense")),
            layers.Dense(10, activation="softmax", **name("output")),
            *extra,
        ])
        return model

    models = {
        "fewer-filters": lesson(conv_filters=32),
        "average-pooling": lesson(pool=layers.AveragePooling2D),
        "extra-layer": lesson(extra=[layers.Dense(10, activation="softmax", name="extra")]),
        "lesson-default-names": lesson(names=False),
    }
    paths = {}
    for label, model in models.items():
        paths[label] = folder / f"{label}.keras"
        model.save(paths[label])
    return models, paths


@pytest.mark.parametrize("label", ["fewer-filters", "average-pooling", "extra-layer"])
def test_other_architectures_are_refused(other_models, label):
    _, paths = other_models
    message = _model_error(paths[label])
    assert "architecture" in message


def test_other_architecture_is_refused_before_keras_loads_it(other_models):
    _, paths = other_models
    _model_error(paths["extra-layer"], reader=load_keras_model)


def test_the_lessons_own_model_with_default_layer_names_is_read(other_models):
    """README: --model takes any .keras model with the lesson's architecture, e.g. saved from the notebook."""
    models, paths = other_models
    model = models["lesson-default-names"]
    assert [layer.name for layer in model.layers][0].startswith("conv2d")
    weights = read_weights(paths["lesson-default-names"])
    np.testing.assert_array_equal(weights.dense_kernel, model.layers[5].get_weights()[0])
    np.testing.assert_array_equal(weights.output_kernel, model.layers[6].get_weights()[0])
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    expected = np.asarray(model(to_model_input(image), training=False))[0]
    np.testing.assert_allclose(activations.compute(weights, image).probabilities, expected, atol=1e-5)
    assert Weights.from_keras(model).param_count() == 243_786


def test_load_keras_model_errors_are_one_line(tmp_path):
    path = tmp_path / "junk.keras"
    path.write_bytes(b"PK\x03\x04 junk")
    _model_error(path, reader=load_keras_model)


# --- layers by name or number ----------------------------------------------------------------------


@pytest.mark.parametrize("given, name", [("conv1", "conv1"), ("pool1", "pool1"), ("2", "pool1"), (" POOL2 ", "pool2"),
                                         ("5", "flatten"), (7, "output"), ("dense", "dense")])
def test_layer_index(given, name):
    assert LAYER_NAMES[layer_index(given)] == name


@pytest.mark.parametrize("given", ["0", "8", "pool3", "", "-1", "1.0"])
def test_unknown_layers_list_the_choices(given):
    with pytest.raises(ValueError) as info:
        layer_index(given)
    assert "1=conv1" in str(info.value) and "7=output" in str(info.value)
