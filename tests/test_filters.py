"""tui_cnn.core.filters against plain double loops: the lesson's notebook, line by line."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import naive_cnn
from tui_cnn.core import filters

FEW = settings(max_examples=60, deadline=None)
weights = st.floats(-20, 20, allow_nan=False, allow_infinity=False)
kernels = arrays(np.float64, (3, 3), elements=weights)
images = st.tuples(st.integers(3, 12), st.integers(3, 12)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 255)))


def naive_sums(image: np.ndarray, kernel) -> np.ndarray:
    """kernel[r][c] times the pixel r - 1 rows down and c - 1 columns right, summed; borders skipped."""
    h, w = image.shape
    out = np.zeros((h - 2, w - 2))
    for row in range(1, h - 1):
        for col in range(1, w - 1):
            total = 0.0
            for r in range(3):
                for c in range(3):
                    total += float(image[row + r - 1, col + c - 1]) * float(kernel[r][c])
            out[row - 1, col - 1] = total
    return out


def naive_filter(image: np.ndarray, kernel, weight: float = 1.0) -> np.ndarray:
    """The sums times weight, clamped to 0..255 pixel by pixel."""
    sums = naive_sums(image, kernel)
    return np.array([[min(max(total * weight, 0.0), 255.0) for total in row] for row in sums]).reshape(sums.shape)


def notebook_filter(image: np.ndarray, filter, weight: float = 1.0) -> np.ndarray:
    """The lesson's current notebook loop as written (x is the row, y the column), cut to what it changes."""
    size_x, size_y = image.shape
    image_transformed = np.zeros((size_x, size_y))
    for x in range(1, size_x - 1):
        for y in range(1, size_y - 1):
            convolution = 0.0
            convolution = convolution + (image[x - 1, y - 1] * filter[0][0])
            convolution = convolution + (image[x - 1, y] * filter[0][1])
            convolution = convolution + (image[x - 1, y + 1] * filter[0][2])
            convolution = convolution + (image[x, y - 1] * filter[1][0])
            convolution = convolution + (image[x, y] * filter[1][1])
            convolution = convolution + (image[x, y + 1] * filter[1][2])
            convolution = convolution + (image[x + 1, y - 1] * filter[2][0])
            convolution = convolution + (image[x + 1, y] * filter[2][1])
            convolution = convolution + (image[x + 1, y + 1] * filter[2][2])
            convolution = convolution * weight
            if convolution < 0:
                convolution = 0
            if convolution > 255:
                convolution = 255
            image_transformed[x, y] = convolution
    return image_transformed[1:-1, 1:-1]


@FEW
@given(images, kernels, weights)
def test_apply_filter_matches_a_double_loop(image, kernel, weight):
    got = filters.apply_filter(image, kernel, weight)
    assert got.shape == (image.shape[0] - 2, image.shape[1] - 2)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, naive_filter(image, kernel, weight), rtol=1e-9, atol=1e-9)
    assert got.min() >= 0 and got.max() <= 255


@FEW
@given(images, kernels, weights)
def test_the_kernel_is_laid_over_the_picture_as_the_notebook_writes_it(image, kernel, weight):
    want = notebook_filter(image.astype(np.float64), kernel.tolist(), weight)
    np.testing.assert_allclose(filters.apply_filter(image, kernel, weight), want, rtol=1e-9, atol=1e-9)


@FEW
@given(images, kernels)
def test_float_and_uint8_images_give_the_same_result(image, kernel):
    np.testing.assert_array_equal(filters.apply_filter(image, kernel),
                                  filters.apply_filter(image.astype(np.float32), kernel))


@FEW
@given(st.integers(1, 14), st.integers(1, 14), st.data())
def test_max_pool_is_the_models_pooling_on_one_channel(h, w, data):
    values = data.draw(arrays(np.float64, (h, w), elements=st.floats(0, 255)))
    got = filters.max_pool(values)
    assert got.shape == (h // 2, w // 2)
    np.testing.assert_array_equal(got, naive_cnn.max_pool2d(values[:, :, None])[:, :, 0])


def test_lesson_presets_and_sizes():
    assert set(filters.PRESETS) == {"vertical lines", "horizontal lines", "edges"}
    assert filters.PRESETS["vertical lines"].tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert filters.PRESETS["horizontal lines"].tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    assert filters.PRESETS["edges"].tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    assert set(filters.CAPTIONS) == set(filters.PRESETS)
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    filtered = filters.apply_filter(image, filters.PRESETS["edges"])
    assert filtered.shape == (26, 26)
    assert filters.max_pool(filtered).shape == (13, 13)


def test_transposing_swaps_vertical_and_horizontal():
    vertical, horizontal = filters.PRESETS["vertical lines"], filters.PRESETS["horizontal lines"]
    assert filters.preset_named(filters.transpose(vertical)) == "horizontal lines"
    assert filters.preset_named(filters.transpose(horizontal)) == "vertical lines"
    assert filters.preset_named(filters.transpose(filters.PRESETS["edges"])) == "edges"
    assert filters.preset_named(np.eye(3)) is None
    image = np.random.default_rng(1).integers(0, 256, (9, 12), dtype=np.uint8)
    np.testing.assert_array_equal(filters.apply_filter(image, horizontal),
                                  filters.apply_filter(image.T, vertical).T)


BAR = 200  # a bright bar on black, 30 pixels long and 4 wide, in a 40x40 picture


def bars() -> dict[str, np.ndarray]:
    vertical = np.zeros((40, 40), np.uint8)
    vertical[5:35, 18:22] = BAR
    return {"vertical bar": vertical, "horizontal bar": vertical.T.copy()}


def lit_pixels(image: np.ndarray, kernel) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns, in the picture's coordinates, of the pixels the filter lights."""
    rows, cols = np.nonzero(filters.apply_filter(image, kernel))
    return rows + 1, cols + 1  # the output is one pixel in from the border


def test_the_vertical_preset_lights_the_vertical_bars_long_edge_not_its_ends():
    kernel = filters.PRESETS["vertical lines"]
    rows, cols = lit_pixels(bars()["vertical bar"], kernel)
    assert set(cols) == {17, 18}  # either side of the dark-to-bright step at the bar's left side
    assert rows.min() <= 5 and rows.max() >= 34  # all along it, top to bottom
    assert filters.apply_filter(bars()["vertical bar"], kernel)[1:-1, 19:22].max() == 0  # right side: clamped
    # The horizontal bar only lights at its short left end: 4 rows (plus the corners), 2 columns.
    rows, cols = lit_pixels(bars()["horizontal bar"], kernel)
    assert set(cols) == {4, 5} and rows.min() >= 17 and rows.max() <= 22
    assert lit_pixels(bars()["vertical bar"], kernel)[0].size > 5 * rows.size


def test_the_horizontal_preset_lights_the_horizontal_bars_long_edge_not_its_ends():
    kernel = filters.PRESETS["horizontal lines"]
    rows, cols = lit_pixels(bars()["horizontal bar"], kernel)
    assert set(rows) == {17, 18}  # the dark-to-bright step at the bar's top
    assert cols.min() <= 5 and cols.max() >= 34
    rows, cols = lit_pixels(bars()["vertical bar"], kernel)
    assert set(rows) == {4, 5} and cols.min() >= 17 and cols.max() <= 22
    assert lit_pixels(bars()["horizontal bar"], kernel)[0].size > 5 * rows.size


def test_the_edges_preset_lights_a_ring_just_outside_each_bar():
    for name, image in bars().items():
        filtered = filters.apply_filter(image, filters.PRESETS["edges"])
        lit = np.zeros(image.shape, bool)
        lit[1:-1, 1:-1] = filtered > 0
        inside = image > 0
        grown = inside.copy()  # the bar and its four-neighbours
        grown[1:] |= inside[:-1]
        grown[:-1] |= inside[1:]
        grown[:, 1:] |= inside[:, :-1]
        grown[:, :-1] |= inside[:, 1:]
        assert np.array_equal(lit, grown & ~inside), name  # long sides and ends alike, never inside


def test_filter_lab_equals_keras_conv2d_without_bias_clamped():
    import keras

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (17, 23)).astype(np.float32)
    kernels = [*filters.PRESETS.values(), filters.transpose(filters.PRESETS["vertical lines"]),
               rng.normal(0, 1, (3, 3))]
    layer = keras.layers.Conv2D(len(kernels), 3, use_bias=False)
    layer.build((1, 17, 23, 1))
    layer.set_weights([np.stack(kernels, axis=-1)[:, :, None, :].astype(np.float32)])
    out = np.asarray(layer(image[None, :, :, None]))[0]
    for i, kernel in enumerate(kernels):
        want = np.clip(out[:, :, i], 0, 255)
        np.testing.assert_allclose(filters.apply_filter(image, kernel), want, rtol=1e-5, atol=1e-3)


def test_weight_scales_before_the_clamp():
    image = np.zeros((5, 5), np.uint8)
    image[:, 2:] = 100  # a vertical edge between columns 1 and 2
    kernel = filters.PRESETS["vertical lines"]  # right column minus left column
    np.testing.assert_array_equal(filters.apply_filter(image, kernel)[:, 0], [255, 255, 255])  # 400 clamped
    np.testing.assert_array_equal(filters.apply_filter(image, kernel, 0.25)[:, 0], [100, 100, 100])
    np.testing.assert_array_equal(filters.apply_filter(image, kernel, -1.0), np.zeros((3, 3)))  # all negative


def test_weights_are_bounded_so_doubling_and_halving_undo_each_other():
    weight = 1.0
    for _ in range(2000):
        weight = filters.bound_weight(weight * 2)
    assert weight == filters.WEIGHT_LIMIT
    for _ in range(40):
        weight = filters.bound_weight(weight / 2)
    assert weight == 1 / filters.WEIGHT_LIMIT
    assert filters.bound_weight(-1e300) == -filters.WEIGHT_LIMIT
    assert filters.bound_weight(0.0) == 0.0 and filters.bound_weight(0.3) == 0.3
    assert filters.bound_weight(float("inf")) == filters.WEIGHT_LIMIT
    assert filters.bound_weight(float("nan")) == 1.0
    image = np.full((4, 4), 1, np.uint8)
    image[:, 2:] = 2
    assert filters.fitting_weight(image, np.full((3, 3), 1e-12)) == filters.WEIGHT_LIMIT


@FEW
@given(images, kernels)
def test_fitting_weight_brings_the_brightest_sum_into_the_upper_half(image, kernel):
    weight = filters.fitting_weight(image, kernel)
    assert math.log2(weight) == int(math.log2(weight))  # a power of two: + and - double and halve it
    peak = naive_sums(image, kernel).max()
    if peak <= 0:
        assert weight == 1.0
    elif peak * filters.WEIGHT_LIMIT <= 127.5:  # a faint picture: as bright as the bound allows
        assert weight == filters.WEIGHT_LIMIT
    else:
        assert 127.5 < peak * weight <= 255.0 * (1 + 1e-12)


@pytest.mark.parametrize("image, kernel", [
    (np.zeros((28, 28)), np.zeros((5, 5))),
    (np.zeros((28, 28, 1)), np.zeros((3, 3))),
    (np.zeros((2, 28)), np.zeros((3, 3))),
])
def test_bad_shapes_are_refused(image, kernel):
    with pytest.raises(ValueError):
        filters.apply_filter(image, kernel)
