"""The diagnostics on models of the zoo (tests/zoo.py), each against a reference that shares none of its code.

- the confusion matrix against one counted from Keras' own predictions;
- the top images against a brute-force scan of the layer's maps as Keras computes them;
- the region marked on a top image against the input pixels the map pixel really depends on,
  found by sending an impulse through every input pixel (strides and 'same' padding included);
- the occlusion map against a slow loop that hides one patch at a time and asks Keras.

The saliency maps of every zoo model are checked against TensorFlow's GradientTape in test_saliency.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from core_helpers import colour_pictures, sample_variants
from tui_cnn.core import arithmetic, batch, confusion, occlusion, saliency, top_images
from tui_cnn.core.network import Network, load_network
from tui_cnn.core.samples import load_samples

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

# The lab's MNIST model, stride 2 with 'same' padding, average pooling, batch normalization, global
# pooling heads, a colour model and a flat input reshaped to a picture.
MODELS = ["mnist", "same_stride", "average_pool", "batchnorm", "global_average", "global_max", "colour_32x32x3",
          "reshape_input"]


def _pictures(net: Network, n_per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Labelled pictures the model takes: the drawn clothes shifted and noised (cropped to its size), or colour."""
    h, w, channels = net.image_shape
    if channels == 3:
        split = colour_pictures(10 * n_per_class)
        return split.images, split.labels
    split = sample_variants(load_samples(), n_per_class)
    return split.images[:, :h, :w], split.labels


def _keras_outputs(model, x: np.ndarray, layer: int) -> np.ndarray:
    """Layer ``layer``'s output (index as in ``Network.layers``: no InputLayer) for the prepared batch ``x``."""
    import keras

    chain = [lay for lay in model.layers if lay.__class__.__name__ != "InputLayer"]
    probe = keras.Model(model.inputs, chain[layer].output)
    return np.asarray(probe(x, training=False))


def _spread_answers(name: str, folder, images: np.ndarray):
    """Zoo model ``name`` (built afresh: the session's are shared) with its last Dense layer's bias set to
    centre the class scores on ``images``, so that an untrained model gives many different answers."""
    import keras

    import zoo as zoo_module

    model = zoo_module.build(name)
    net = load_network(zoo_module.save(model, folder, f"{name}_probe"))
    last = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"][-1]
    features = np.asarray(keras.Model(model.inputs, last.input)(net.prepare(images), training=False))
    kernel, bias = last.get_weights()
    last.set_weights([kernel, bias - (features @ kernel + bias).mean(axis=0)])
    return model, load_network(zoo_module.save(model, folder, name))


@pytest.mark.parametrize("name", MODELS)
def test_confusion_matrix_matches_keras_predictions(zoo, tmp_path, name):
    images, labels = _pictures(load_network(zoo(name)[1]), 6)
    model, net = _spread_answers(name, tmp_path, images)
    found = confusion.compute(net, images, labels)
    said = model.predict(net.prepare(images), verbose=0).reshape(len(images), -1).argmax(axis=1)
    assert len(set(said.tolist())) >= 3, name  # a matrix with something to compare
    expected = np.zeros((net.num_classes, net.num_classes), np.int64)
    for true, answer in zip(labels, said):
        expected[true, answer] += 1
    np.testing.assert_array_equal(found.predicted, said)
    np.testing.assert_array_equal(found.matrix, expected)
    assert found.total == len(images)


def _map_layers(net: Network) -> list[int]:
    return [i for i in range(len(net.layers)) if top_images.has_maps(net, i)]


@pytest.mark.parametrize("name", MODELS)
def test_top_images_match_a_brute_force_scan_of_keras_maps(zoo, name):
    model, path = zoo(name)
    net = load_network(path)
    images, _ = _pictures(net, 3)
    x = net.prepare(images)
    layers = _map_layers(net)
    assert len(layers) >= 2, name
    for layer in (layers[0], layers[-1]):  # the first and the deepest layer with maps
        found = top_images.compute(net, images, layer, k=4)
        maps = _keras_outputs(model, x, layer)  # (N, H, W, C)
        for channel in range(maps.shape[3]):
            best = []
            for n in range(len(images)):  # the image's strongest pixel, the slow way
                values = maps[n, :, :, channel]
                best.append(max(float(v) for v in values.ravel()))
            order = sorted(range(len(images)), key=lambda n: (-best[n], n))[:4]
            np.testing.assert_allclose(found.values[channel], [best[n] for n in order], rtol=0, atol=1e-4)
            for rank, n in enumerate(order):
                gaps = [abs(best[n] - best[m]) for m in range(len(images)) if m != n]
                if min(gaps) > 1e-4:  # not a tie within float32 rounding: the very same image
                    assert found.indices[channel, rank] == n, (name, layer, channel, rank)
                shown = int(found.indices[channel, rank])
                r, c = int(found.rows[channel, rank]), int(found.cols[channel, rank])
                assert maps[shown, r, c, channel] == pytest.approx(best[shown], abs=1e-4)


def _depends(net: Network, layer: int) -> np.ndarray:
    """(H*W input pixels, rows, cols): whether each of the layer's pixels changes when that input pixel does.

    Every convolution becomes an all-ones kernel (no bias, no activation) and normalizations and
    activations are left out, so an impulse at one pixel reaches exactly the pixels that read it.
    """
    h, w, _ = net.image_shape
    x = np.zeros((h * w, h, w, 1), np.float32)
    x[np.arange(h * w), np.arange(h * w) // w, np.arange(h * w) % w, 0] = 1.0
    for lay in net.layers[: layer + 1]:
        if lay.kind == "conv":
            ones = np.ones((*lay.kernel_size, 1, 1), np.float32)
            x = arithmetic.conv2d_batch(x, ones, None, lay.strides, lay.padding)
        elif lay.kind == "pool":
            x = arithmetic.pool2d_batch(x, lay.pool_size, lay.strides, lay.padding, lay.mode)
    return x[..., 0] > 0


@pytest.mark.parametrize("name", MODELS)
def test_the_marked_region_is_every_input_pixel_the_map_pixel_reads(zoo, name):
    net = load_network(zoo(name)[1])
    h, w, _ = net.image_shape
    for layer in _map_layers(net):
        depends = _depends(net, layer)
        out_h, out_w = net.layers[layer].output_shape[:2]
        for r in range(out_h):
            for c in range(out_w):
                top, left, bottom, right = top_images.receptive_field(net, layer, r, c)
                region = np.zeros((h, w), bool)
                region[top : bottom + 1, left : right + 1] = True
                np.testing.assert_array_equal(depends[:, r, c].reshape(h, w), region,
                                              err_msg=f"{name} {net.layers[layer].name} ({r}, {c})")


def test_a_region_through_stride_and_same_padding_by_hand(zoo):
    net = load_network(zoo("same_stride")[1])
    # 27x27 -> conv 3x3 same (27) -> max pool 3 stride 2 same (14) -> conv (3, 2) stride (2, 1) same (7x14)
    # -> conv 4x4 stride 2 valid (2x6).
    assert [lay.output_shape[:2] for lay in net.layers[:4]] == [(27, 27), (14, 14), (7, 14), (2, 6)]
    assert top_images.receptive_field(net, 0, 0, 0) == (0, 0, 1, 1)  # the padded border is not an input pixel
    assert top_images.receptive_field(net, 1, 0, 0) == (0, 0, 2, 2)
    assert top_images.receptive_field(net, 1, 13, 13) == (24, 24, 26, 26)  # pool rows 25-27, conv 24-27
    assert top_images.receptive_field(net, 3, 1, 5) == (6, 18, 26, 26)


def _keras_probability(model, x: np.ndarray, target: int) -> float:
    return float(np.asarray(model(x[None], training=False)).reshape(-1)[target])


@pytest.mark.parametrize("name", MODELS)
def test_occlusion_matches_a_slow_loop_over_keras(zoo, name):
    model, path = zoo(name)
    net = load_network(path)
    images, _ = _pictures(net, 1)
    image = images[3]
    target = 2
    found = occlusion.compute(net, image, target, patch=8, stride=6)
    picture = image.astype(np.float32) / 255.0
    base = _keras_probability(model, net.prepare(picture[None])[0], target)
    assert found.base == pytest.approx(base, abs=1e-5)
    h, w = picture.shape[:2]
    total, count = np.zeros((h, w)), np.zeros((h, w))
    tops, lefts = occlusion.positions(h, 8, 6), occlusion.positions(w, 8, 6)
    for i, top in enumerate(tops):
        for j, left in enumerate(lefts):
            hidden = picture.copy()
            hidden[top : top + 8, left : left + 8] = 0.0  # black, in every colour channel
            drop = base - _keras_probability(model, net.prepare(hidden[None])[0], target)
            assert found.drops[i, j] == pytest.approx(drop, abs=2e-6)
            for r in range(top, top + 8):
                for c in range(left, left + 8):
                    total[r, c] += drop
                    count[r, c] += 1
    np.testing.assert_allclose(found.pixels, total / count, rtol=0, atol=2e-6)
    assert found.pixels.shape == (h, w) and np.abs(total / count).max() > 2e-4, name  # the map says something


def test_colour_maps_say_how_the_channels_are_combined(zoo):
    net = load_network(zoo("colour_32x32x3")[1])
    image = colour_pictures(1).images[0]
    salient = saliency.compute(net, image, 4)
    assert salient.gradient.shape == (32, 32, 3)
    np.testing.assert_array_equal(salient.magnitude, np.abs(salient.gradient).max(axis=2))
    assert "largest channel" in salient.how
    assert "in all 3 colours" in occlusion.compute(net, image, 4).how
    gray = load_network(zoo("mnist")[1])
    assert "colour" not in saliency.compute(gray, load_samples().images[0], 4).how


@pytest.mark.parametrize("name", [*MODELS, "lab_16", "relu_settings"])
def test_the_batched_forward_equals_the_networks_layer_by_layer(zoo, name):
    """batch.forward pools some convolutions before their bias and ReLU: the very same numbers."""
    net = load_network(zoo(name)[1])
    shape = net.image_shape if net.image_shape[2] == 3 else net.image_shape[:2]
    x = net.prepare(np.random.default_rng(2).integers(0, 256, (5, *shape)).astype(np.uint8))
    outputs = net.forward(x)
    for upto in range(len(net.layers)):
        np.testing.assert_array_equal(batch.forward(net, x, upto), outputs[upto], err_msg=f"{name} layer {upto}")
    np.testing.assert_array_equal(batch.forward(net, x), outputs[-1])
