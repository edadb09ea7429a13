"""The rules the teaching screens' sentences follow: no false 100%, no -0.000, ties named, odd pools explained."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_cnn.core import wording
from tui_cnn.core.arithmetic import max_pool2d


@given(st.integers(1, 10**7).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total))))
def test_a_percentage_is_never_all_or_nothing_unless_it_is(pair):
    count, total = pair
    text = wording.percent(count, total)
    assert text.endswith("%")
    if count == 0:
        assert text == "0%"
    elif count == total:
        assert text == "100%"
    else:
        assert text not in ("0%", "100%") and not text.startswith(("0.0%", "100.0"))
        figure = text.strip("<>%")
        assert 0 < float(figure) < 100


@pytest.mark.parametrize("count, total, want", [
    (674, 676, "674 of 676 pixels (99.7%)"),
    (2, 676, "2 of 676 pixels (0.3%)"),
    (676, 676, "676 of 676 pixels (100%)"),
    (0, 169, "0 of 169 pixels (0%)"),
    (1, 3, "1 of 3 pixels (33%)"),
    (1, 2_000_000, "1 of 2,000,000 pixels (<0.001%)"),
])
def test_a_share_shows_its_count(count, total, want):
    assert wording.share(count, total, "pixels") == want


def test_zero_prints_without_a_sign():
    product = 0.0 * -0.5
    assert str(product) == "-0.0"  # what Python would print
    assert wording.number(product) == "0.000"
    assert wording.number(product, signed=True) == "0.000"
    assert wording.number(0.25, signed=True) == "+0.250" and wording.number(-0.25, 2) == "-0.25"
    assert wording.number(-0.0002) == "-0.000"  # not zero: the sign is true


@pytest.mark.parametrize("window, start", [
    ([[0, 0], [0, 0]], "all 4 are 0: a silent (all-zero) region stays silent"),
    ([[0.5, 0.5], [0.5, 0.5]], "all 4 are equal (0.5000): a tie"),
    ([[0.5, 0.1], [0.0, 0.5]], "a tie: 2 of the 4 share the largest value, 0.5000"),
    ([[0.5, 0.5], [0.2, 0.5]], "a tie: 3 of the 4"),
    ([[0.1, 0.2], [0.9, 0.3]], "the largest is at row 11, col 6: it survives, the other 3 are dropped"),
])
def test_pooling_windows_name_ties_and_only_all_zero_is_silent(window, start):
    text = wording.pool_window(np.array(window), 10, 6)
    assert text.startswith(start)
    assert ("silent" in text) == (np.max(window) == 0)


@pytest.mark.parametrize("side", range(2, 30))
def test_pool_shrink_counts_are_what_pooling_does(side):
    pooled = max_pool2d(np.zeros((side, side, 1)))
    text = wording.pool_shrink(side, side)
    out = pooled.shape[0]
    assert text.startswith(f"{side}x{side} -> {out}x{out}: ")
    assert f"{side * side:,} -> {out * out:,}" in text
    if side % 2:
        assert "the last row and column fit in no 2x2 block and are dropped" in text
        assert f"the other {side - 1}x{side - 1} = {(side - 1) ** 2:,} pixels" in text
    else:
        assert "dropped" not in text and "a quarter as many" in text


def test_pool_shrink_names_a_lone_odd_side():
    assert "the last column fits in no 2x2 block and is dropped" in wording.pool_shrink(12, 13)
    assert "the last row fits" in wording.pool_shrink(13, 12)


@pytest.mark.parametrize("p, want", [
    (0.0, "0%"), (1.0, "100%"), (0.5, "50%"), (0.996, "99.6%"), (0.9999, "99.99%"), (0.99999999, ">99.999%"),
    (0.004, "0.4%"), (1e-9, "<0.001%"), (np.float32(0.99999994), ">99.999%"),
])
def test_a_probability_says_all_or_nothing_only_when_exact(p, want):
    assert wording.probability(p) == want


@pytest.mark.parametrize(("text", "width", "want"), [
    ("conv2d", 16, "conv2d"),
    ("batch_normalization_1", 14, "batch_n…tion_1"),
    ("global_average_pooling2d", 14, "global_…ling2d"),
    ("colour_32x32x3.keras", 18, "colour_32…x3.keras"),
])
def test_a_long_name_is_shortened_in_the_middle_keeping_both_ends(text, width, want):
    assert wording.shortened(text, width) == want and len(want) == min(len(text), width)
