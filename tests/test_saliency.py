"""The numpy saliency map (backpropagation by hand) against TensorFlow's GradientTape on the same model."""

from __future__ import annotations

import numpy as np
import pytest

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
    logits = [batch.layer_outputs(weights, batch.as_batch(v[None]))[-1][0, 2] for v in (x, moved)]
    assert (logits[1] - logits[0]) / step == pytest.approx(found.gradient[r, c], rel=0.05)
