"""tui_cnn.core.arithmetic against the plain-loop reference in naive_cnn, on random shapes and values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import naive_cnn
from tui_cnn.core import arithmetic

TOL = 1e-5
FEW = settings(max_examples=40, deadline=None)
unit_floats = st.floats(-1, 1, width=32, allow_nan=False, allow_infinity=False)


@st.composite
def conv_cases(draw):
    k = draw(st.integers(1, 3))
    h, w = draw(st.integers(k, 9)), draw(st.integers(k, 9))
    cin, cout = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    x = draw(arrays(np.float32, (h, w, cin), elements=unit_floats))
    kernel = draw(arrays(np.float32, (k, k, cin, cout), elements=unit_floats))
    bias = draw(arrays(np.float32, (cout,), elements=unit_floats))
    return x, kernel, bias


@FEW
@given(conv_cases(), st.booleans())
def test_conv2d_matches_naive_loops(case, relu):
    x, kernel, bias = case
    got = arithmetic.conv2d(x, kernel, bias, relu=relu)
    want = naive_cnn.conv2d(x, kernel, bias, relu=relu)
    assert got.shape == want.shape == (x.shape[0] - kernel.shape[0] + 1, x.shape[1] - kernel.shape[1] + 1,
                                       kernel.shape[3])
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    if relu:
        assert (got >= 0).all()


@FEW
@given(st.integers(1, 11), st.integers(1, 11), st.integers(1, 4), st.data())
def test_max_pool2d_matches_naive_loops_and_rounds_down(h, w, c, data):
    x = data.draw(arrays(np.float32, (h, w, c), elements=st.floats(-100, 100, width=32)))
    got = arithmetic.max_pool2d(x)
    assert got.shape == (h // 2, w // 2, c)
    np.testing.assert_array_equal(got, naive_cnn.max_pool2d(x))


@FEW
@given(st.integers(1, 24), st.integers(1, 12), st.booleans(), st.data())
def test_dense_matches_naive_loops(n_in, n_out, relu, data):
    x = data.draw(arrays(np.float32, (n_in,), elements=unit_floats))
    kernel = data.draw(arrays(np.float32, (n_in, n_out), elements=unit_floats))
    bias = data.draw(arrays(np.float32, (n_out,), elements=unit_floats))
    np.testing.assert_allclose(arithmetic.dense(x, kernel, bias, relu=relu),
                               naive_cnn.dense(x, kernel, bias, relu=relu), rtol=0, atol=TOL)


@FEW
@given(arrays(np.float32, st.integers(1, 12), elements=st.floats(-500, 500, width=32)))
def test_softmax_matches_reference_even_for_large_logits(logits):
    probs = arithmetic.softmax(logits)
    assert np.isfinite(probs).all()
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(probs, naive_cnn.softmax(logits), rtol=0, atol=TOL)
    assert probs[int(np.argmax(logits))] == probs.max()  # the largest logit has the largest probability


def test_lesson_shapes_26_13_11_5():
    rng = np.random.default_rng(0)
    x = rng.random((28, 28, 1), dtype=np.float32)
    conv1 = arithmetic.conv2d(x, rng.normal(size=(3, 3, 1, 64)).astype(np.float32), np.zeros(64, np.float32))
    pool1 = arithmetic.max_pool2d(conv1)
    conv2 = arithmetic.conv2d(pool1, rng.normal(size=(3, 3, 64, 64)).astype(np.float32), np.zeros(64, np.float32))
    pool2 = arithmetic.max_pool2d(conv2)
    assert [a.shape for a in (conv1, pool1, conv2, pool2)] == [(26, 26, 64), (13, 13, 64), (11, 11, 64), (5, 5, 64)]
    assert pool2.reshape(-1).shape == (1600,)


def test_vertical_line_filter_lights_up_only_the_edge():
    """The lesson's example: a filter with -1 | 0 | +1 columns finds a dark-to-light vertical edge."""
    x = np.zeros((6, 8, 1), np.float32)
    x[:, 4:] = 1.0  # light right half
    kernel = np.array([[-1, 0, 1]] * 3, np.float32).reshape(3, 3, 1, 1)
    out = arithmetic.conv2d(x, kernel, np.zeros(1, np.float32))[:, :, 0]
    assert out.shape == (4, 6)
    expected_row = [0, 0, 3, 3, 0, 0]  # windows centred on columns 3 and 4 straddle the edge
    np.testing.assert_array_equal(out, np.tile(expected_row, (4, 1)))


def test_max_pool_keeps_negative_maxima():
    x = -np.arange(16, dtype=np.float32).reshape(4, 4, 1) - 1  # all negative: padding with 0 would show
    np.testing.assert_array_equal(arithmetic.max_pool2d(x)[:, :, 0], [[-1, -3], [-9, -11]])


def test_conv2d_rejects_a_kernel_for_other_channels():
    with pytest.raises(ValueError, match="does not match"):
        arithmetic.conv2d(np.zeros((5, 5, 2), np.float32), np.zeros((3, 3, 1, 4), np.float32), np.zeros(4, np.float32))
