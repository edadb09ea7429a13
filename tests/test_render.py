"""tui_cnn.render: heatmaps, ASCII maps, grids, scales and colour maps, printed through real Rich consoles."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from rich.console import Console

from tui_cnn import render

ESCAPE = "\x1b"
MAP_SHAPES = [(26, 26), (13, 13), (11, 11), (5, 5), (1, 7), (3, 1), (2, 2)]


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Rich obeys these variables; a developer's shell must not decide whether a test passes."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)


def printed(renderable, width: int = 80, terminal: bool = False) -> str:
    """What a console writes: to a pipe (not a terminal), or to a true-colour terminal."""
    buffer = io.StringIO()
    if terminal:
        console = Console(file=buffer, width=width, force_terminal=True, color_system="truecolor")
    else:
        console = Console(file=buffer, width=width)
        assert not console.is_terminal
    console.print(renderable)
    return buffer.getvalue()


def _ramp(values, **kwargs) -> list[str]:
    return render.ascii_lines(np.asarray(values, dtype=np.float64), **kwargs)


# --- heatmaps --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", MAP_SHAPES)
def test_heatmap_uses_one_row_per_two_pixel_rows(shape):
    h, w = shape
    values = np.random.default_rng(h * 100 + w).random(shape)
    heatmap = render.Heatmap(values)
    assert heatmap.height == math.ceil(h / 2) and heatmap.width == w
    lines = printed(heatmap, terminal=True).splitlines()
    assert len(lines) == math.ceil(h / 2)
    for line in lines:
        assert re.sub(r"\x1b\[[0-9;]*m", "", line) == render.UPPER_HALF * w


def test_heatmap_colours_top_pixel_as_foreground_and_bottom_as_background():
    heatmap = render.Heatmap(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), cmap="gray")
    first, second = heatmap.lines
    assert first[0].style.color.triplet == (0, 0, 0) and first[0].style.bgcolor.triplet == (255, 255, 255)
    assert first[1].style.color.triplet == (255, 255, 255) and first[1].style.bgcolor.triplet == (0, 0, 0)
    assert second[0].style.bgcolor is None, "an odd last row has no lower pixel to paint"


def test_heatmap_on_a_terminal_is_in_true_colour():
    text = printed(render.Heatmap(np.arange(16.0).reshape(4, 4)), terminal=True)
    assert ESCAPE in text and "38;2;" in text and "48;2;" in text  # 24-bit foreground and background


@pytest.mark.parametrize("values", [
    [[np.nan, 1.0], [2.0, 3.0]],
    [[np.inf, 1.0], [-np.inf, 0.0]],
    [[np.nan, np.nan], [np.nan, np.nan]],
    [[np.inf, np.inf], [np.inf, np.inf]],
    [[0.0, 0.0], [0.0, 0.0]],
    [[7.5, 7.5], [7.5, 7.5]],
    [[-3.0, -3.0], [-3.0, -3.0]],
], ids=["nan", "inf", "all-nan", "all-inf", "zeros", "constant", "negative-constant"])
@pytest.mark.parametrize("mode", render.MODES)
def test_awkward_maps_render(values, mode):
    values = np.array(values)
    for terminal in (False, True):
        text = printed(render.render_map(values, mode), terminal=terminal)
        assert len(text.splitlines()) == (1 if mode == "heatmap" else 2)


def test_nan_inf_and_constant_values_get_sensible_levels():
    assert _ramp([[np.nan, 0.0, 1.0, np.inf, -np.inf]]) == ["? @@ "]
    assert _ramp([[0.0, 0.0]]) == ["  "], "a silent ReLU channel is dark"
    assert _ramp([[4.0, 4.0]]) == ["@@"], "a constant positive map is bright"
    nan_cell = render.Heatmap(np.array([[np.nan], [0.0]]), cmap="gray").lines[0][0]
    assert nan_cell.style.color.triplet == render.NAN_RGB


def test_ascii_ramp_from_darkest_to_brightest():
    values = np.linspace(0, 1, len(render.ASCII_RAMP))[None, :]
    assert _ramp(values) == [render.ASCII_RAMP]
    assert _ramp(values, char_width=2) == ["".join(c * 2 for c in render.ASCII_RAMP)]


# --- plain text when the console is not a terminal -----------------------------------------------------


def test_ascii_grid_is_plain_text_without_a_terminal():
    maps = np.random.default_rng(0).random((13, 13, 64))
    text = printed(render.MapGrid(maps, list(range(64)), mode="ascii"), width=100)
    assert ESCAPE not in text
    assert text.isascii()
    allowed = set(render.ASCII_RAMP) | set("#0123456789\n ")
    assert set(text) <= allowed


def test_heatmap_without_a_terminal_has_no_escape_codes():
    assert ESCAPE not in printed(render.MapGrid(np.random.default_rng(1).random((5, 5, 4)), [0, 1, 2, 3]))


def test_bars_in_ascii_are_plain_text():
    text = printed(render.bars([0.1, 0.7, 0.2], ["a", "bb", "ccc"], width=10, ascii_only=True, highlight=1))
    assert ESCAPE not in text and text.isascii()
    assert text.splitlines() == [
        "  a " + "#".ljust(10) + "      10%",  # scaled to the largest value: 0.1 / 0.7 of 10 cells
        " bb " + "#" * 10 + "      70%",
        "ccc " + "###".ljust(10) + "      20%",
    ]


def test_bar_percentages_say_0_or_100_only_when_exact():
    text = printed(render.bars([0.99995, 0.00004, 0.0], ["a", "b", "c"], width=4, ascii_only=True))
    assert [line.split()[-1] for line in text.splitlines()] == ["99.995%", "0.004%", "0%"]


# --- grids of maps -------------------------------------------------------------------------------------


def _grid_lines(grid, width=200) -> list[str]:
    return printed(grid, width=width).splitlines()


def _label_rows(lines: list[str]) -> list[list[str]]:
    """The label lines: only "#<number>" words ('#' alone is also the ramp's second-brightest)."""
    rows = [line.split() for line in lines]
    return [words for words in rows if words and all(re.fullmatch(r"#\d+", w) for w in words)]


def test_grid_labels_each_map_with_its_channel_number():
    maps = np.random.default_rng(2).random((5, 5, 64))
    lines = _grid_lines(render.MapGrid(maps, [0, 7, 63], mode="ascii"))
    assert _label_rows(lines) == [["#0", "#7", "#63"]] and lines[0].split() == ["#0", "#7", "#63"]
    assert len(lines) == 1 + 5


def test_grid_wraps_to_the_width():
    maps = np.random.default_rng(3).random((13, 13, 8))
    cell_w, cell_h = render.map_cell_size((13, 13), "ascii")
    grid = render.MapGrid(maps, list(range(8)), mode="ascii")
    width = 3 * cell_w + 2  # three cells and two gaps
    lines = _grid_lines(grid, width=width)
    assert _label_rows(lines) == [["#0", "#1", "#2"], ["#3", "#4", "#5"], ["#6", "#7"]]
    assert len(lines) == 3 * cell_h
    assert max(len(line) for line in lines) <= width


def test_heatmap_grid_height_is_half_the_map():
    maps = np.random.default_rng(4).random((11, 11, 3))
    lines = _grid_lines(render.MapGrid(maps, [0, 1, 2], mode="heatmap"))
    assert len(lines) == 1 + math.ceil(11 / 2)
    assert render.map_cell_size((11, 11), "heatmap") == (11, 7)


def test_layer_scale_and_map_scale_differ():
    gradient = np.linspace(0, 1, 16).reshape(4, 4)
    maps = np.stack([gradient, gradient * 10], axis=-1)  # channel 1 is ten times as strong
    per_map = render.MapGrid(maps, [0, 1], mode="ascii", scale="map").cells()
    per_layer = render.MapGrid(maps, [0, 1], mode="ascii", scale="layer").cells()
    text = [["".join(seg.text for seg in line) for line in cell.lines[1:]] for cell in per_map + per_layer]
    map0, map1, layer0, layer1 = text
    assert map0 == map1, "scaled on its own, each map spans the whole ramp"
    assert layer1 == map1
    assert layer0 != map0 and "@" not in "".join(layer0), "on the layer's scale channel 0 stays dim"
    # The layer's scale covers every channel, also those not shown.
    only0 = render.MapGrid(maps, [0], mode="ascii", scale="layer").cells()[0]
    assert ["".join(seg.text for seg in line) for line in only0.lines[1:]] == layer0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode"):
        render.render_map(np.zeros((2, 2)), mode="braille")


def test_vector_strip_wraps_a_vector():
    strip = render.vector_strip(np.arange(1600.0), width=64, mode="ascii")
    assert (strip.height, strip.width) == (25, 64)
    short = render.vector_strip(np.arange(10.0), width=64, mode="ascii")
    assert (short.height, short.width) == (1, 10)


# --- colour maps ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, first, last", [
    ("inferno", (0x00, 0x00, 0x04), (0xFC, 0xFF, 0xA4)),
    ("viridis", (0x44, 0x01, 0x54), (0xFD, 0xE7, 0x25)),
    ("gray", (0, 0, 0), (255, 255, 255)),
])
def test_colormap_lookup_table_endpoints(name, first, last):
    lut = render.colormap(name)
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert tuple(int(v) for v in lut[0]) == first
    assert tuple(int(v) for v in lut[-1]) == last


def test_gray_and_inferno_grow_brighter():
    gray = render.colormap("gray").astype(int)
    np.testing.assert_array_equal(gray[:, 0], np.arange(256))
    luminance = render.colormap("inferno").astype(int) @ np.array([299, 587, 114])
    assert (np.diff(luminance) >= -300).all() and luminance[-1] > luminance[0]


def test_every_offered_colour_map_exists_and_unknown_is_refused():
    for name in render.CMAP_NAMES:
        render.colormap(name)
    with pytest.raises(ValueError, match="unknown colour map"):
        render.colormap("jet")


def test_normalize_maps_range_to_unit_interval():
    out = render.normalize(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])
    clipped = render.normalize(np.array([-5.0, 5.0, 15.0]), vmin=0.0, vmax=10.0)
    np.testing.assert_allclose(clipped, [0.0, 0.5, 1.0])


@pytest.mark.parametrize(("shape", "out"), [((26, 26), (7, 7)), ((26, 26), (13, 13)), ((11, 11), (4, 8)),
                                             ((5, 5), (5, 5)), ((28, 28), (1, 1))])
def test_pool_to_takes_the_mean_of_each_block(shape, out):
    values = np.random.default_rng(0).normal(size=shape)
    got = render.pool_to(values, *out)
    out_h, out_w = min(out[0], shape[0]), min(out[1], shape[1])
    assert got.shape == (out_h, out_w)
    for i in range(out_h):  # a plain loop: block i covers rows floor(i*h/out_h) up to floor((i+1)*h/out_h)
        for j in range(out_w):
            rows = slice(i * shape[0] // out_h, (i + 1) * shape[0] // out_h)
            cols = slice(j * shape[1] // out_w, (j + 1) * shape[1] // out_w)
            assert got[i, j] == pytest.approx(values[rows, cols].mean())


# --- a layer's maps at once ------------------------------------------------------------------------


def _reference_normalize(values: np.ndarray, vmin=None, vmax=None) -> np.ndarray:
    """normalize's rules written out element by element: the independent check of the batched code."""
    finite = [v for v in values.ravel() if math.isfinite(v)]
    lo = min(finite) if vmin is None and finite else (vmin if vmin is not None else 0.0)
    hi = max(finite) if vmax is None and finite else (vmax if vmax is not None else 0.0)
    out = np.empty(values.shape)
    for index, v in np.ndenumerate(values):
        if math.isnan(v):
            out[index] = math.nan
        elif v == math.inf:
            out[index] = 1.0
        elif v == -math.inf:
            out[index] = 0.0
        elif hi > lo:
            out[index] = (min(max(v, lo), hi) - lo) / (hi - lo)
        else:  # a constant map: dark if at most zero, bright otherwise
            out[index] = 1.0 if hi > 0 else 0.0
    return out


def _awkward_stack(seed: int = 0) -> np.ndarray:
    """Seven 5x6 maps: ordinary, constant zero, constant positive, with NaN, with infinities, all NaN, negative."""
    rng = np.random.default_rng(seed)
    stack = rng.normal(size=(5, 6, 7))
    stack[:, :, 1] = 0.0
    stack[:, :, 2] = 3.5
    stack[1, 2, 3] = np.nan
    stack[0, 0, 4], stack[4, 5, 4] = np.inf, -np.inf
    stack[:, :, 5] = np.nan
    stack[:, :, 6] = -np.abs(stack[:, :, 6])
    return stack


@pytest.mark.parametrize(("vmin", "vmax"), [(None, None), (-0.5, 1.5), (1.0, 1.0)])
def test_normalize_maps_follows_normalize_for_each_channel(vmin, vmax):
    stack = _awkward_stack()
    got = render.normalize_maps(stack, vmin, vmax)
    for c in range(stack.shape[2]):
        want = _reference_normalize(stack[:, :, c], vmin, vmax)
        np.testing.assert_allclose(got[:, :, c], want, equal_nan=True, err_msg=f"channel {c}")
        np.testing.assert_allclose(render.normalize(stack[:, :, c], vmin, vmax), want, equal_nan=True)


@pytest.mark.parametrize("mode", render.MODES)
@pytest.mark.parametrize("cmap", ["inferno", "gray"])
def test_render_maps_draws_each_map_as_render_map_does(mode, cmap):
    stack = _awkward_stack(1)
    lo, hi = render.value_range(stack)
    for vmin, vmax in ((None, None), (lo, hi)):
        drawn = render.render_maps(stack, mode, cmap, vmin, vmax, char_width=2)
        singles = [render.render_map(stack[:, :, c], mode, cmap, vmin, vmax, char_width=2) for c in range(stack.shape[2])]
        assert [(b.lines, b.width) for b in drawn] == [(b.lines, b.width) for b in singles]


def test_shrink2_and_pool_to_treat_each_map_of_a_stack_alone():
    stack = np.random.default_rng(2).normal(size=(11, 9, 4))
    for c in range(4):
        np.testing.assert_allclose(render.shrink2(stack)[:, :, c], render.shrink2(stack[:, :, c]))
        np.testing.assert_allclose(render.pool_to(stack, 4, 3)[:, :, c], render.pool_to(stack[:, :, c], 4, 3))


def test_heatmap_runs_match_a_cell_by_cell_drawing():
    """Runs of one colour become one segment: the same picture as one half block per cell, merged."""
    from rich.segment import Segment

    stack = _awkward_stack(3)
    stack[:, :3, 0] = 0.0  # a run of black
    for c, block in enumerate(render.render_maps(stack)):
        q = render.quantize(_reference_normalize(stack[:, :, c]))
        q = np.vstack([q, np.full((1, q.shape[1]), -2, q.dtype)]) if q.shape[0] % 2 else q
        want = []
        for top, bottom in zip(q[0::2].tolist(), q[1::2].tolist()):
            cells = [Segment(render.UPPER_HALF, render._half_block_style("inferno", t, b)) for t, b in zip(top, bottom)]
            want.append(list(Segment.simplify(cells)))
        assert block.lines == want, c
