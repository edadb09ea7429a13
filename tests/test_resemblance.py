"""Learned kernels against the hand-made filters: cosine similarity with its sign, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tui_cnn.core import filters, resemblance
from tui_cnn.core.model import read_weights
from tui_cnn.core.paths import SHIPPED_MODEL

kernels = arrays(np.float64, (3, 3), elements=st.floats(-5, 5, allow_nan=False))


def naive_cosine(a, b) -> float:
    a, b = [float(x) for x in np.ravel(a)], [float(x) for x in np.ravel(b)]
    # The cosine does not change with scale: dividing by the largest weight keeps tiny kernels (1e-159)
    # out of subnormal squares, where the sums lose their precision.
    a = [x / (max(map(abs, a)) or 1.0) for x in a]
    b = [y / (max(map(abs, b)) or 1.0) for y in b]
    dot = sum(x * y for x, y in zip(a, b))
    norm = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return dot / norm if norm else 0.0


@pytest.mark.parametrize("name", resemblance.HAND_MADE)
def test_each_hand_made_filter_is_its_own_closest_at_any_scale_and_flipped_is_reversed(name):
    kernel = resemblance.HAND_MADE[name]
    assert resemblance.closest(kernel * 0.07) == resemblance.Resemblance(name, pytest.approx(1.0))
    flipped = resemblance.closest(-3 * kernel)
    assert flipped.name == name + " (reversed)" and flipped.similarity == pytest.approx(1.0)
    np.testing.assert_array_equal(flipped.reference, -kernel)


def test_the_lessons_presets_are_among_the_hand_made_filters():
    for name, kernel in filters.PRESETS.items():
        np.testing.assert_array_equal(resemblance.HAND_MADE[name], kernel)


@given(kernels)
def test_closest_is_the_largest_signed_cosine(kernel):
    match = resemblance.closest(kernel)
    candidates = {}
    for name, reference in resemblance.HAND_MADE.items():
        candidates[name] = naive_cosine(kernel, reference)
        candidates[name + " (reversed)"] = -naive_cosine(kernel, reference)
    assert match.similarity == pytest.approx(max(candidates.values()), abs=1e-12)
    assert candidates[match.name] == pytest.approx(match.similarity, abs=1e-12)
    assert -1 - 1e-12 <= match.similarity <= 1 + 1e-12


def test_diagonal_filters_light_the_diagonal_they_are_named_after():
    rows, cols = np.indices((20, 20))
    slash = ((rows + cols) >= 20).astype(np.uint8) * 200  # "/" edge: dark top-left, bright bottom-right
    backslash = (rows <= cols).astype(np.uint8) * 200  # "\" edge: bright top-right, dark bottom-left
    for name, image, other in (("diagonal lines /", slash, backslash), ("diagonal lines \\", backslash, slash)):
        kernel = resemblance.HAND_MADE[name]
        assert filters.apply_filter(image, kernel).max() == 255, name
        assert filters.apply_filter(other, kernel).max() == 0, name


def test_text_and_ranking_of_the_shipped_kernels():
    kernels = read_weights(SHIPPED_MODEL).conv1_kernel  # (3, 3, 1, 64)
    ranking = resemblance.ranked(kernels)
    assert sorted(channel for channel, _ in ranking) == list(range(64))
    scores = [match.similarity for _, match in ranking]
    assert scores == sorted(scores, reverse=True)
    channel, best = ranking[0]
    assert best == resemblance.closest(kernels[:, :, 0, channel])
    assert best.text() == f"looks like {best.name}, {best.similarity:.2f}"
    assert resemblance.Resemblance("vertical lines", 0.914).text() == "looks like vertical lines, 0.91"
