"""activations.compute, layer by layer, against the plain-loop reference and against Keras itself."""

from __future__ import annotations

import numpy as np
import pytest

import naive_cnn
from core_helpers import random_weights, synthetic_images
from tui_cnn.core import activations
from tui_cnn.core.data import to_model_input
from tui_cnn.core.model import LAYER_NAMES, LAYERS, read_weights

TOL = 1e-5

# Keras 3 with numpy 2 warns inside its own get_weights(); nothing tui-cnn can change.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _images():
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    bar = synthetic_images(1, seed=3)[0][0]
    return {"noise": noise, "bar": bar}


@pytest.mark.parametrize("image_name", ["noise", "bar"])
def test_every_layer_matches_the_naive_reference(image_name):
    image = _images()[image_name]
    weights = random_weights(seed=11)
    acts = activations.compute(weights, image)
    reference = naive_cnn.forward(weights, image / 255.0)
    assert [layer.name for layer in acts.layers] == list(LAYER_NAMES)
    for layer, want, spec in zip(acts.layers, reference, LAYERS):
        assert layer.shape == spec.output_shape == want.shape, layer.name
        assert layer.values.dtype == np.float32, layer.name
        np.testing.assert_allclose(layer.values, want, rtol=0, atol=TOL, err_msg=layer.name)
    # The random weights must leave something alive in every layer, or the comparison says little.
    for layer in acts.layers:
        assert np.count_nonzero(layer.values) > layer.values.size // 20, layer.name
    assert acts.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert acts.predicted == int(np.argmax(reference[-1]))


def test_uint8_and_unit_float_inputs_agree():
    weights = random_weights(seed=2)
    image = _images()["noise"]
    a = activations.compute(weights, image)
    b = activations.compute(weights, image.astype(np.float64) / 255.0)
    np.testing.assert_allclose(a.image, b.image, atol=1e-7)
    np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)


@pytest.mark.parametrize("shape", [(28, 27), (1, 28, 28), (784,)])
def test_compute_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match="28x28"):
        activations.compute(random_weights(), np.zeros(shape, np.uint8))


def test_layer_lookup_and_channels():
    acts = activations.compute(random_weights(seed=4), _images()["bar"])
    pool1 = acts.layer("pool1")
    assert pool1.kind == "pool" and pool1.is_spatial
    np.testing.assert_array_equal(pool1.channel(7), pool1.values[:, :, 7])
    assert not acts.layer("dense").is_spatial
    with pytest.raises(KeyError):
        acts.layer("pool3")


# --- against Keras: the model's own per-layer outputs ----------------------------------------------


def _keras_layer_outputs(model, image: np.ndarray) -> list[np.ndarray]:
    x = to_model_input(image)
    outputs = []
    for layer in model.layers:
        x = layer(x, training=False)
        outputs.append(np.asarray(x)[0])
    return outputs


@pytest.mark.parametrize("image_name", ["noise", "bar"])
def test_compute_matches_keras_per_layer(keras_model, keras_model_file, image_name):
    """Weights read back from the saved file, without TensorFlow, give Keras' own outputs."""
    image = _images()[image_name]
    weights = read_weights(keras_model_file)
    acts = activations.compute(weights, image)
    keras_outputs = _keras_layer_outputs(keras_model, image)
    assert [layer.name for layer in keras_model.layers] == list(LAYER_NAMES)
    for mine, theirs in zip(acts.layers, keras_outputs):
        assert mine.shape == theirs.shape, mine.name
        np.testing.assert_allclose(mine.values, theirs, rtol=0, atol=TOL, err_msg=mine.name)
    predicted = keras_model.predict(to_model_input(image), verbose=0)[0]
    np.testing.assert_allclose(acts.probabilities, predicted, rtol=0, atol=TOL)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # never trained: no optimizer state
def test_compute_matches_the_loaded_keras_model(keras_model_file):
    from tui_cnn.core.model import load_keras_model

    image = _images()["bar"]
    loaded = load_keras_model(keras_model_file)
    acts = activations.compute(read_weights(keras_model_file), image)
    np.testing.assert_allclose(acts.probabilities, np.asarray(loaded(to_model_input(image)))[0], rtol=0, atol=TOL)


def test_predict_batch_equals_compute_image_by_image():
    weights = random_weights(seed=8)
    images, _ = synthetic_images(5, seed=8)
    batch = activations.predict_batch(weights, images, chunk=2)  # chunks of 2, 2 and 1
    assert batch.shape == (5, 10) and batch.dtype == np.float32
    for image, probs in zip(images, batch):
        np.testing.assert_allclose(probs, activations.compute(weights, image).probabilities, rtol=0, atol=TOL)
    assert activations.predict_batch(weights, images[:0]).shape == (0, 10)
