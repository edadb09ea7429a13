"""The diagnostics (batched forward, confusion matrix, top images, occlusion) against independent references.

The confusion matrix is checked against Keras' own predictions on real Fashion-MNIST images, the
top images against a brute-force scan with ``activations.compute`` image by image, and the
occlusion map against a slow loop that occludes, runs and averages one patch at a time.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core_helpers import SAMPLE_IMAGES, SAMPLE_LABELS, find_full_data, random_weights, synthetic_images
from tui_cnn.core import activations, batch, confusion, occlusion, top_images
from tui_cnn.core.data import CLASS_NAMES, IMAGES_MAGIC, LABELS_MAGIC, load_split_from_dir, read_idx, to_model_input
from tui_cnn.core.model import LAYER_NAMES, LAYERS, read_weights
from tui_cnn.core.paths import SHIPPED_MODEL

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _noisy(n: int, seed: int) -> np.ndarray:
    images, _ = synthetic_images(n, seed)
    rng = np.random.default_rng(seed)
    return np.clip(images + rng.integers(0, 120, images.shape), 0, 255).astype(np.uint8)


def test_the_lessons_network_equals_compute_image_by_image():
    weights = random_weights(seed=21)
    images = _noisy(7, 21)
    net = batch.lesson_network(weights)
    assert [layer.name for layer in net.layers] == list(LAYER_NAMES)
    outputs = net.forward(net.prepare(images))
    for n, image in enumerate(images):
        acts = activations.compute(weights, image)
        for name, mine in zip(LAYER_NAMES, outputs):
            np.testing.assert_allclose(mine[n], acts.layer(name).values, rtol=0, atol=1e-5, err_msg=name)
    assert batch.as_network(weights) is batch.as_network(weights)  # built once per model
    np.testing.assert_allclose(batch.probabilities(weights, images), outputs[-1], atol=1e-6)


def test_probabilities_report_progress_and_stop_when_cancelled():
    weights, images = random_weights(seed=2), _noisy(5, 2)
    seen = []
    batch.probabilities(weights, images, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5, 5)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(batch.Cancelled):
        batch.probabilities(weights, images, cancel=cancel)


# --- confusion matrix ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    """Real images: the 900-image sample, else the first 900 of the full test set."""
    if SAMPLE_IMAGES.is_file() and SAMPLE_LABELS.is_file():
        return read_idx(SAMPLE_IMAGES, IMAGES_MAGIC), read_idx(SAMPLE_LABELS, LABELS_MAGIC)
    folder = find_full_data()
    if folder is None:
        pytest.skip("neither the Fashion-MNIST sample nor the full data set is available")
    test = load_split_from_dir(folder, "test")
    return test.images[:900], test.labels[:900]


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_confusion_matrix_matches_keras_predictions(sample):
    from tui_cnn.core.model import load_keras_model

    images, labels = sample
    found = confusion.compute(read_weights(SHIPPED_MODEL), images, labels)
    keras_answers = np.argmax(load_keras_model(SHIPPED_MODEL).predict(to_model_input(images), verbose=0), axis=1)
    expected = np.zeros((10, 10), np.int64)
    for true, said in zip(labels, keras_answers):
        expected[true, said] += 1
    np.testing.assert_array_equal(found.matrix, expected)
    assert found.matrix.sum() == len(images) and 0.8 < found.accuracy < 1.0
    np.testing.assert_array_equal(found.predicted, keras_answers)


def test_precision_recall_and_worst_pairs():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    said = np.array([0, 1, 1, 1, 0, 2, 2, 1, 2])
    found = confusion.from_predictions(labels, said, 4)
    assert found.matrix[0].tolist() == [1, 2, 0, 0]
    np.testing.assert_allclose(found.recall[:3], [1 / 3, 1 / 2, 3 / 4])
    np.testing.assert_allclose(found.precision[:3], [1 / 2, 1 / 4, 1])
    assert np.isnan(found.recall[3]) and np.isnan(found.precision[3])  # class 3 never appears
    pairs = found.worst_pairs(3)
    assert [(p.true, p.predicted, p.count) for p in pairs] == [(0, 1, 2), (1, 0, 1), (2, 1, 1)]
    assert pairs[0].describe(CLASS_NAMES) == "T-shirt/top taken for Trouser: 2"
    np.testing.assert_array_equal(found.images(0, 1), [1, 2])
    np.testing.assert_array_equal(found.images(2, 1), [7])
    assert confusion.from_predictions(labels, labels, 3).worst_pairs() == []


# --- top images ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["conv1", "pool1", "conv2", "pool2"])
def test_top_images_match_a_brute_force_scan(layer):
    weights = random_weights(seed=5)
    images = _noisy(30, 5)
    index = LAYER_NAMES.index(layer)
    seen = []
    found = top_images.compute(weights, images, index, k=4, progress=lambda d, t: seen.append(d))
    assert seen[-1] == 30
    channels = LAYERS[index].output_shape[-1]
    maps = [activations.compute(weights, image).layer(layer).values for image in images]
    for channel in range(channels):
        best = [float(m[:, :, channel].max()) for m in maps]
        want = sorted(range(len(images)), key=lambda n: (-best[n], n))[:4]
        assert found.indices[channel].tolist() == want, channel
        for rank, n in enumerate(want):
            assert found.values[channel, rank] == pytest.approx(best[n], abs=1e-5)
            r, c = int(found.rows[channel, rank]), int(found.cols[channel, rank])
            assert maps[n][r, c, channel] == pytest.approx(best[n], abs=1e-5)


def test_receptive_fields():
    net = batch.lesson_network(random_weights())
    conv1, pool1, conv2, pool2 = range(4)
    assert top_images.receptive_field(net, conv1, 0, 0) == (0, 0, 2, 2)
    assert top_images.receptive_field(net, pool1, 1, 2) == (2, 4, 5, 7)
    assert top_images.receptive_field(net, conv2, 10, 10) == (20, 20, 27, 27)  # a conv2 pixel sees 8x8 pixels
    assert top_images.receptive_field(net, pool2, 4, 4) == (16, 16, 25, 25)


def test_the_receptive_field_is_exactly_what_the_pixel_depends_on():
    """Changing pixels outside a region leaves the pixel alone; changing one inside moves it."""
    weights = random_weights(seed=9)
    image = _noisy(1, 9)[0]
    top, left, bottom, right = top_images.receptive_field(batch.lesson_network(weights), 2, 4, 6)
    before = activations.compute(weights, image).layer("conv2").values[4, 6]
    outside = image.copy()
    outside[:top] = 255 - outside[:top]
    outside[bottom + 1 :] = 0
    outside[:, right + 1 :] = 7
    np.testing.assert_allclose(activations.compute(weights, outside).layer("conv2").values[4, 6], before, atol=1e-6)
    inside = image.copy()
    inside[top : bottom + 1, left : right + 1] = 255 - inside[top : bottom + 1, left : right + 1]
    assert not np.allclose(activations.compute(weights, inside).layer("conv2").values[4, 6], before)


def test_top_images_refuse_layers_without_maps():
    with pytest.raises(ValueError, match="convolution and pooling"):
        top_images.compute(random_weights(), _noisy(2, 1), LAYER_NAMES.index("dense"))


# --- occlusion -----------------------------------------------------------------------------------


def _slow_occlusion(weights, image, target, patch, stride):
    x = image.astype(np.float64) / 255.0
    base = activations.compute(weights, x).probabilities[target]
    size = x.shape[0]
    tops = list(range(0, size - patch + 1, stride))
    if tops[-1] != size - patch:
        tops.append(size - patch)
    sums = [[0.0] * size for _ in range(size)]
    counts = [[0] * size for _ in range(size)]
    for top in tops:
        for left in tops:
            hidden = x.copy()
            hidden[top : top + patch, left : left + patch] = 0.0
            drop = base - activations.compute(weights, hidden).probabilities[target]
            for r in range(top, top + patch):
                for c in range(left, left + patch):
                    sums[r][c] += drop
                    counts[r][c] += 1
    return np.array([[sums[r][c] / counts[r][c] for c in range(size)] for r in range(size)])


@pytest.mark.parametrize(("patch", "stride", "target"), [(6, 2, None), (5, 3, 4), (4, 4, 7)])
def test_occlusion_matches_a_slow_loop(patch, stride, target):
    weights = random_weights(seed=13)
    image = _noisy(1, 13)[0]
    found = occlusion.compute(weights, image, target, patch, stride)
    want_target = activations.compute(weights, image).predicted if target is None else target
    assert found.target == want_target
    want = _slow_occlusion(weights, image, want_target, patch, stride)
    np.testing.assert_allclose(found.pixels, want, rtol=0, atol=1e-5)
    assert np.abs(want).max() > 1e-3  # the map says something
    assert found.pixels.shape == (28, 28) and found.patch == patch and str(patch) in found.how


# --- any model the explorer supports: a few of the zoo's (tests/zoo.py) --------------------------------


@pytest.mark.parametrize("name", ["same_stride", "batchnorm", "colour_32x32x3"])
def test_top_images_and_occlusion_for_zoo_models(zoo, name):
    from tui_cnn.core.network import load_network

    net = load_network(zoo(name)[1])
    rng = np.random.default_rng(4)
    shape = net.image_shape if net.image_shape[2] > 1 else net.image_shape[:2]
    images = rng.integers(0, 256, (12, *shape)).astype(np.uint8)
    layer = max(i for i in range(len(net.layers)) if top_images.has_maps(net, i))  # the deepest map layer
    found = top_images.compute(net, images, layer, k=3)
    maps = [net.activations(image).layers[layer].values for image in images]
    for channel in range(net.layers[layer].output_shape[-1]):
        best = [float(m[:, :, channel].max()) for m in maps]
        assert found.indices[channel].tolist() == sorted(range(12), key=lambda n: (-best[n], n))[:3]
    top, left, bottom, right = found.region(0, 0)
    assert 0 <= top <= bottom < net.image_shape[0] and 0 <= left <= right < net.image_shape[1]

    image = images[0]
    occluded = occlusion.compute(net, image, 1, patch=8, stride=6)
    x = image.astype(np.float64) / 255.0
    probs = lambda v: batch.as_probabilities(net, net.forward(net.prepare(v[None]))[-1])[0]  # noqa: E731
    base = probs(x)[1]
    tops = occlusion.positions(x.shape[0], 8, 6)
    for i, t in enumerate(tops):
        for j, l in enumerate(occlusion.positions(x.shape[1], 8, 6)):
            hidden = x.copy()
            hidden[t : t + 8, l : l + 8] = 0.0
            assert occluded.drops[i, j] == pytest.approx(base - probs(hidden)[1], abs=1e-5)
