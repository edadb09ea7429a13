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


def notebook_filter(i: np.ndarray, filter, weight: float = 1.0) -> np.ndarray:
    """The lesson notebook's loop as written (x is the row), cut to the pixels it changes."""
    size_x, size_y = i.shape
    i_transformed = np.zeros((size_x, size_y))
    for x in range(1, size_x - 1):
        for y in range(1, size_y - 1):
            output_pixel = 0.0
            output_pixel = output_pixel + (i[x - 1, y - 1] * filter[0][0])
            output_pixel = output_pixel + (i[x, y - 1] * filter[0][1])
            output_pixel = output_pixel + (i[x + 1, y - 1] * filter[0][2])
            output_pixel = output_pixel + (i[x - 1, y] * filter[1][0])
            output_pixel = output_pixel + (i[x, y] * filter[1][1])
            output_pixel = output_pixel + (i[x + 1, y] * filter[1][2])
            output_pixel = output_pixel + (i[x - 1, y + 1] * filter[2][0])
            output_pixel = output_pixel + (i[x, y + 1] * filter[2][1])
            output_pixel = output_pixel + (i[x + 1, y + 1] * filter[2][2])
            output_pixel = output_pixel * weight
            if output_pixel < 0:
                output_pixel = 0
            if output_pixel > 255:
                output_pixel = 255
            i_transformed[x, y] = output_pixel
    return i_transformed[1:-1, 1:-1]


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
def test_the_notebook_reads_the_filter_transposed(image, kernel, weight):
    want = notebook_filter(image.astype(np.float64), kernel.tolist(), weight)
    np.testing.assert_allclose(filters.apply_filter(image, kernel.T, weight), want, rtol=1e-9, atol=1e-9)


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
    assert filters.PRESETS["vertical lines"].tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    assert filters.PRESETS["horizontal lines"].tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert filters.PRESETS["edges"].tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    filtered = filters.apply_filter(image, filters.PRESETS["edges"])
    assert filtered.shape == (26, 26)
    assert filters.max_pool(filtered).shape == (13, 13)


def test_weight_scales_before_the_clamp():
    image = np.zeros((5, 5), np.uint8)
    image[:, 2:] = 100  # a vertical edge between columns 1 and 2
    kernel = filters.PRESETS["horizontal lines"]  # right column minus left column
    np.testing.assert_array_equal(filters.apply_filter(image, kernel)[:, 0], [255, 255, 255])  # 400 clamped
    np.testing.assert_array_equal(filters.apply_filter(image, kernel, 0.25)[:, 0], [100, 100, 100])
    np.testing.assert_array_equal(filters.apply_filter(image, kernel, -1.0), np.zeros((3, 3)))  # all negative


@FEW
@given(images, kernels)
def test_fitting_weight_brings_the_brightest_sum_into_the_upper_half(image, kernel):
    weight = filters.fitting_weight(image, kernel)
    assert math.log2(weight) == int(math.log2(weight))  # a power of two: + and - double and halve it
    peak = naive_sums(image, kernel).max()
    if peak <= 0:
        assert weight == 1.0
    else:
        assert 127.5 < peak * weight <= 255.0 * (1 + 1e-12)


def test_the_lessons_vertical_lines_filter_brings_out_horizontal_edges_here():
    image = np.zeros((8, 8), np.uint8)
    image[4:, :] = 200  # a horizontal edge: dark above, bright below
    along_edge = filters.apply_filter(image, filters.PRESETS["vertical lines"])
    across_edge = filters.apply_filter(image.T, filters.PRESETS["vertical lines"])
    assert along_edge.max() == 255 and across_edge.max() == 0


@pytest.mark.parametrize("image, kernel", [
    (np.zeros((28, 28)), np.zeros((5, 5))),
    (np.zeros((28, 28, 1)), np.zeros((3, 3))),
    (np.zeros((2, 28)), np.zeros((3, 3))),
])
def test_bad_shapes_are_refused(image, kernel):
    with pytest.raises(ValueError):
        filters.apply_filter(image, kernel)
