"""The numpy saliency map (backpropagation by hand) against TensorFlow's GradientTape on the same model:
the lesson's, and every model of the zoo (any kernel, stride, padding, pooling, batch norm, activation)."""

from __future__ import annotations

import numpy as np
import pytest

import zoo as zoo_module

from core_helpers import synthetic_images
from tui_cnn.core import activations, saliency
from tui_cnn.core.data import to_model_input
from tui_cnn.core.model import read_weights

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _tape_gradient(model, image: np.ndarray, target: int) -> np.ndarray:
    """d logit[target] / d input by TensorFlow; the logit is the last Dense before its softmax."""
    import tensorflow as tf

    x = tf.Variable(to_model_input(image))
    last = model.layers[-1]
    with tf.GradientTape() as tape:
        h = x
        for layer in model.layers[:-1]:
            h = layer(h, training=False)
        logits = tf.matmul(h, last.kernel) + last.bias
        score = logits[0, target]
    return tape.gradient(score, x).numpy()[0, :, :, 0]


def _image(seed: int) -> np.ndarray:
    images, _ = synthetic_images(1, seed)
    rng = np.random.default_rng(seed)
    return np.clip(images[0] + rng.integers(0, 120, (28, 28)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("seed", "target"), [(1, None), (2, 3), (3, 9)])
def test_saliency_matches_gradient_tape(keras_model, keras_model_file, seed, target):
    image = _image(seed)
    weights = read_weights(keras_model_file)
    found = saliency.compute(weights, image, target)
    expected_target = activations.compute(weights, image).predicted if target is None else target
    assert found.target == expected_target
    want = _tape_gradient(keras_model, image, expected_target)
    assert np.abs(want).max() > 1e-3  # a real gradient, not all zeros
    np.testing.assert_allclose(found.gradient, want, rtol=0, atol=1e-4)
    np.testing.assert_array_equal(found.magnitude, np.abs(found.gradient))
    assert "gradient" in found.how


def test_saliency_predicts_a_small_change_of_the_score():
    """A finite difference: brightening the most salient pixel a little moves the logit by gradient x step."""
    from tui_cnn.core import batch
    from core_helpers import random_weights

    weights, image = random_weights(seed=4), _image(4)
    found = saliency.compute(weights, image, 2)
    r, c = np.unravel_index(int(np.argmax(found.magnitude)), image.shape)
    x = image.astype(np.float64) / 255.0
    step = 1e-3
    moved = x.copy()
    moved[r, c] += step
    net = batch.as_network(weights)
    logits = [net.layers[-1].pre_activation(net.forward(net.prepare(v[None]))[-2])[0, 2] for v in (x, moved)]
    assert (logits[1] - logits[0]) / step == pytest.approx(found.gradient[r, c], rel=0.05)


# --- any model the explorer supports: the zoo of Keras models (tests/zoo.py) ----------------------------


def _keras_logit_gradient(model, x: np.ndarray, target: int) -> np.ndarray:
    """TensorFlow's gradient of the class score before the last activation, for a prepared batch of one."""
    import keras
    import tensorflow as tf

    chain = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
    last = chain[-1]
    variable = tf.Variable(x)
    with tf.GradientTape() as tape:
        h = variable
        for layer in chain[:-1]:
            h = layer(h, training=False)
        if last.__class__.__name__ in ("Dense", "Conv2D"):
            saved, last.activation = last.activation, keras.activations.linear
            try:
                h = last(h, training=False)
            finally:
                last.activation = saved
        elif last.__class__.__name__ not in ("Softmax", "Activation"):
            h = last(h, training=False)
        score = tf.reshape(h, (1, -1))[0, target]
    return tape.gradient(score, variable).numpy()[0]


@pytest.mark.parametrize("name", zoo_module.SUPPORTED)
def test_saliency_matches_gradient_tape_for_every_zoo_model(zoo, name):
    from tui_cnn.core.network import load_network

    model, path = zoo(name)
    net = load_network(path)
    rng = np.random.default_rng(3)
    shape = net.image_shape if net.image_shape[2] > 1 else net.image_shape[:2]
    image = rng.integers(0, 256, shape).astype(np.uint8)
    target = 3 % net.num_classes
    found = saliency.compute(net, image, target)
    want = _keras_logit_gradient(model, net.prepare(image[None]), target) * net.pixel_scale
    want = want.reshape(found.gradient.shape)
    assert np.abs(want).max() > 1e-4, name  # a real gradient, not all zeros
    np.testing.assert_allclose(found.gradient, want, rtol=0, atol=1e-4, err_msg=name)
