"""Arrays to Rich renderables: feature maps as heatmaps or ASCII, grids of maps, vectors and bars.

No Textual here: the CLI prints these, the app's widgets display them. A heatmap uses the upper
half block with the upper pixel as foreground and the lower pixel as background, so one text row
shows two pixel rows and a map looks square. ASCII uses a character ramp and is plain text that
copies and pastes. NaN, infinities and constant maps all render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tui_cnn.core import wording

ASCII_RAMP = " .:-=+*#%@"
UPPER_HALF = "\u2580"
NAN_RGB = (96, 96, 96)
# Overlays drawn over a map: pixels picked out (a filter's patch, pooling winners) and the cursor.
MARK, CURSOR = 1, 2
_OVERLAY_LEVELS = {MARK: -3, CURSOR: -4}
_OVERLAY_RGB = {-3: (0, 190, 255), -4: (0, 255, 0)}
MODES = ("heatmap", "ascii")
SCALES = ("map", "layer")

# Colour maps as evenly spaced anchors (matplotlib's inferno and viridis sampled at 11 points),
# interpolated to 256 levels: close enough to the course's plots and no matplotlib dependency.
_ANCHORS = {
    "inferno": ["000004", "160b39", "420a68", "6a176e", "932667", "bc3754",
                "dd513a", "f37819", "fca50a", "f6d746", "fcffa4"],
    "viridis": ["440154", "482475", "414487", "355f8d", "2a788e", "21918c",
                "22a884", "44bf70", "7ad151", "bddf26", "fde725"],
    "gray": ["000000", "ffffff"],
    # Diverging blue-white-red for signed values such as kernel weights.
    "coolwarm": ["3b4cc0", "7396f5", "b0cbfc", "dddddd", "f6bfa6", "e7745b", "b40426"],
}
CMAP_NAMES = ("inferno", "viridis", "gray")


def other_mode(mode: str) -> str:
    """The rendering mode a toggle key switches to."""
    return "ascii" if mode == "heatmap" else "heatmap"


def next_cmap(name: str) -> str:
    """The colour map after ``name`` in CMAP_NAMES, wrapping round."""
    return CMAP_NAMES[(CMAP_NAMES.index(name) + 1) % len(CMAP_NAMES)] if name in CMAP_NAMES else CMAP_NAMES[0]


@lru_cache(maxsize=None)
def colormap(name: str) -> np.ndarray:
    """A (256, 3) uint8 lookup table for a colour map name."""
    if name not in _ANCHORS:
        raise ValueError(f"unknown colour map {name!r}; choose one of {', '.join(_ANCHORS)}")
    anchors = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in _ANCHORS[name]], float)
    xs = np.linspace(0, 1, len(anchors))
    grid = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(grid, xs, anchors[:, c]) for c in range(3)], axis=1)
    return np.rint(lut).astype(np.uint8)


def value_range(values: np.ndarray) -> tuple[float, float]:
    """Min and max of the finite values (0, 0 if there are none)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def normalize(values: np.ndarray, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """Scale to [0, 1]; NaN stays NaN, +inf is 1, -inf is 0.

    A constant map has no contrast to show: it is drawn dark if its value is at most zero (a
    silent ReLU channel) and bright otherwise.
    """
    values = np.asarray(values, dtype=np.float64)
    return normalize_maps(values.reshape(1, -1, 1), vmin, vmax).reshape(values.shape)


def normalize_maps(stack: np.ndarray, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """``normalize`` for each map of an (H, W, C) stack at once: each channel between its own
    finite minimum and maximum unless ``vmin``/``vmax`` are given. One pass over the stack costs
    what a single small map costs through ``normalize`` (numpy's overhead is per call)."""
    values = np.asarray(stack, dtype=np.float64)
    finite = np.isfinite(values)
    some = finite.any(axis=(0, 1))
    lo = np.where(some, np.where(finite, values, np.inf).min(axis=(0, 1), initial=np.inf), 0.0)
    hi = np.where(some, np.where(finite, values, -np.inf).max(axis=(0, 1), initial=-np.inf), 0.0)
    lo = lo if vmin is None else np.full_like(lo, vmin)
    hi = hi if vmax is None else np.full_like(hi, vmax)
    spread = hi > lo
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (np.clip(values, lo, hi) - lo) / np.where(spread, hi - lo, 1.0)
    flat = np.where(np.isnan(values), np.nan, np.where(hi > 0, 1.0, 0.0))  # a constant map
    out = np.where(spread, scaled, flat)
    out = np.where(np.isposinf(values), 1.0, out)
    return np.where(np.isneginf(values), 0.0, out)


def quantize(norm: np.ndarray, levels: int = 256) -> np.ndarray:
    """[0, 1] floats to integer levels 0..levels-1; NaN becomes -1."""
    q = np.rint(np.nan_to_num(norm, nan=0.0) * (levels - 1)).astype(np.int16)
    return np.where(np.isnan(norm), -1, q)


@lru_cache(maxsize=65536)
def _half_block_style(cmap: str, top: int, bottom: int) -> Style:
    return Style(color=_level_color(cmap, top), bgcolor=_level_color(cmap, bottom) if bottom != -2 else None)


@lru_cache(maxsize=4096)
def _level_color(cmap: str, level: int) -> Color:
    if level < 0:
        rgb = _OVERLAY_RGB.get(level, NAN_RGB)
    else:
        rgb = tuple(int(c) for c in colormap(cmap)[level])
    return Color.from_rgb(*rgb)


class Block:
    """A renderable made of pre-built lines of segments, each ``width`` cells wide.

    Building the segments is the costly part of drawing a map, so a Block is made once and can be
    printed or joined with others many times.
    """

    def __init__(self, lines: list[list[Segment]], width: int) -> None:
        self.lines = lines
        self.width = width

    @property
    def height(self) -> int:
        return len(self.lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)


class Heatmap(Block):
    """A 2-D map in colour, two pixel rows per text row, one column per pixel."""

    def __init__(self, values: np.ndarray, cmap: str = "inferno",
                 vmin: float | None = None, vmax: float | None = None, marks: np.ndarray | None = None) -> None:
        q = quantize(normalize(values, vmin, vmax))
        if marks is not None:  # MARK pixels in cyan, the CURSOR in green
            for kind, level in _OVERLAY_LEVELS.items():
                q[marks == kind] = level
        super().__init__(_heatmap_lines(q[:, :, None], cmap)[0], q.shape[1])

    @classmethod
    def from_lines(cls, lines: list[list[Segment]], width: int) -> Heatmap:
        """A heatmap of lines already drawn, e.g. by ``render_maps``."""
        heatmap = cls.__new__(cls)
        Block.__init__(heatmap, lines, width)
        return heatmap


def _heatmap_lines(q: np.ndarray, cmap: str) -> list[list[list[Segment]]]:
    """The lines of each map of an (H, W, C) stack of levels, drawn as half blocks.

    A run of cells of one colour (most of a ReLU map is black) is one segment, which makes far
    less to draw; the runs of the whole stack are found in one numpy pass, so Python loops over
    runs, not pixels, and not over maps or rows.
    """
    h, w, maps = q.shape
    if h % 2:  # an odd last row has no lower pixel (-2): the background shows there
        q = np.concatenate([q, np.full((1, w, maps), -2, q.dtype)], axis=0)
    offset = -min(_OVERLAY_LEVELS.values())  # levels go down to the overlays' -4: make them all >= 0
    pair = np.moveaxis((q[0::2].astype(np.int32) + offset) * 512 + (q[1::2] + offset), 2, 0)  # (maps, rows, w)
    starts_run = np.ones(pair.shape, bool)
    starts_run[:, :, 1:] = pair[:, :, 1:] != pair[:, :, :-1]
    flat = starts_run.ravel()
    starts = np.flatnonzero(flat)
    rows = pair.shape[1]
    lines: list[list[Segment]] = [[] for _ in range(maps * rows)]
    for line, length, key in zip((starts // w).tolist(), np.diff(starts, append=flat.size).tolist(),
                                 pair.ravel()[starts].tolist()):
        style = _half_block_style(cmap, key // 512 - offset, key % 512 - offset)
        lines[line].append(Segment(UPPER_HALF * length, style))
    return [lines[m * rows : (m + 1) * rows] for m in range(maps)]


class ColourPicture(Block):
    """An (H, W, 3) uint8 RGB picture in its own colours, two pixel rows per text row (a colour model's input).

    ``marks`` (H, W) paints MARK and CURSOR pixels in the overlay colours, as ``Heatmap`` does.
    """

    def __init__(self, rgb: np.ndarray, marks: np.ndarray | None = None) -> None:
        rgb = np.asarray(rgb, dtype=np.uint8)
        if marks is not None:
            rgb = rgb.copy()
            for kind, level in _OVERLAY_LEVELS.items():
                rgb[marks == kind] = _OVERLAY_RGB[level]
        if rgb.shape[0] % 2:
            rgb = np.concatenate([rgb, rgb[-1:]], axis=0)  # repeat the odd last row: no half-empty cells
        lines = []
        for top, bottom in zip(rgb[0::2].tolist(), rgb[1::2].tolist()):
            cells = (Segment(UPPER_HALF, _rgb_style(tuple(t), tuple(b))) for t, b in zip(top, bottom))
            lines.append(list(Segment.simplify(cells)))
        super().__init__(lines, rgb.shape[1])


@lru_cache(maxsize=65536)
def _rgb_style(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Style:
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


class AsciiMap(Block):
    """A 2-D map as plain characters from the ramp, one row per pixel row, ``char_width`` per pixel."""

    def __init__(self, values: np.ndarray, vmin: float | None = None, vmax: float | None = None,
                 char_width: int = 1, marks: np.ndarray | None = None) -> None:
        text_lines = ascii_lines(values, vmin, vmax, char_width, marks)
        super().__init__([[Segment(line)] for line in text_lines], values.shape[1] * char_width)

    @classmethod
    def from_levels(cls, levels: np.ndarray, char_width: int = 1) -> AsciiMap:
        """An ASCII map of levels already quantized to the ramp (-1 for NaN), e.g. by ``render_maps``."""
        ascii_map = cls.__new__(cls)
        lines = [[Segment(line)] for line in _ascii_text(levels, char_width)]
        Block.__init__(ascii_map, lines, levels.shape[1] * char_width)
        return ascii_map


def ascii_lines(values: np.ndarray, vmin: float | None = None, vmax: float | None = None,
                char_width: int = 1, marks: np.ndarray | None = None) -> list[str]:
    """The ASCII rendering as strings; NaN shows as '?', MARK pixels as '<>', the CURSOR as '[]'."""
    q = quantize(normalize(values, vmin, vmax), len(ASCII_RAMP))
    if marks is not None:
        for kind, level in _OVERLAY_LEVELS.items():
            q[marks == kind] = level
    return _ascii_text(q, char_width)


def _ascii_text(q: np.ndarray, char_width: int) -> list[str]:
    ramp = [c * char_width for c in ASCII_RAMP]
    special = {-1: "?" * char_width, -3: _bracket("<", ">", "o", char_width),
               -4: _bracket("[", "]", "X", char_width)}
    return ["".join(ramp[v] if v >= 0 else special[v] for v in row) for row in q.tolist()]


def mark_swatch(kind: int, mode: str) -> Text:
    """How maps draw a MARK or the CURSOR, for a legend: a block of its colour, or its ASCII signs."""
    level = _OVERLAY_LEVELS[kind]
    if mode == "ascii":
        return Text("[] X" if kind == CURSOR else "<> o", "bold")
    return Text("\u2588\u2588", Style(color=Color.from_rgb(*_OVERLAY_RGB[level])))


def _bracket(left: str, right: str, single: str, width: int) -> str:
    return single if width == 1 else left + " " * (width - 2) + right


def render_map(values: np.ndarray, mode: str = "heatmap", cmap: str = "inferno",
               vmin: float | None = None, vmax: float | None = None, char_width: int = 1) -> Block:
    """One map in the chosen mode."""
    if mode == "ascii":
        return AsciiMap(values, vmin, vmax, char_width)
    if mode == "heatmap":
        return Heatmap(values, cmap, vmin, vmax)
    raise ValueError(f"unknown mode {mode!r}; choose heatmap or ascii")


def render_maps(stack: np.ndarray, mode: str = "heatmap", cmap: str = "inferno",
                vmin: float | None = None, vmax: float | None = None, char_width: int = 1) -> list[Block]:
    """Every map of an (H, W, C) stack, as ``render_map`` draws each, normalized in one pass."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose heatmap or ascii")
    norm = normalize_maps(stack, vmin, vmax)
    if mode == "ascii":
        levels = quantize(norm, len(ASCII_RAMP))
        return [AsciiMap.from_levels(levels[:, :, c], char_width) for c in range(levels.shape[2])]
    return [Heatmap.from_lines(lines, stack.shape[1]) for lines in _heatmap_lines(quantize(norm), cmap)]


def ascii_char_width(map_width: int) -> int:
    """Characters per pixel for ASCII maps in a grid: two (square pixels) unless the map is wide."""
    return 2 if map_width <= 16 else 1


def shrink2(values: np.ndarray) -> np.ndarray:
    """Half-size a 2-D map (or each map of an (H, W, C) stack) by averaging 2x2 blocks (an odd last
    row or column is repeated)."""
    return shrink(values, 2)


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """A picture (H, W) or (H, W, C) ``factor`` times smaller: means of factor x factor blocks (the last
    row and column repeated to fill the border blocks), so pixel (r, c) lands on (r // factor, c // factor)."""
    image = np.asarray(image, dtype=np.float64)
    if factor <= 1:
        return image
    h, w = image.shape[:2]
    pad = ((0, -h % factor), (0, -w % factor)) + ((0, 0),) * (image.ndim - 2)
    padded = np.pad(image, pad, mode="edge")
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor, *image.shape[2:])
    return blocks.mean(axis=(1, 3))


def picture(image: np.ndarray, mode: str = "heatmap", marks: np.ndarray | None = None, vmax: float = 255.0,
            char_width: int = 1) -> Block:
    """An input picture, grey (H, W) or colour (H, W, 3), with pixels in [0, ``vmax``] and ``marks`` over it.

    Colour pictures keep their colours as heatmaps; in ASCII, which has no colour, a pixel is the
    mean of its channels (its brightness). One text row per pixel row in ASCII, two as a heatmap.
    """
    image = np.asarray(image, np.float32)
    colour = image.ndim == 3 and image.shape[2] == 3
    if image.ndim == 3 and not colour:
        image = image.mean(axis=2)
    if mode == "ascii":
        return AsciiMap(image.mean(axis=2) if colour else image, 0, vmax, char_width, marks)
    if colour:
        return ColourPicture(np.rint(np.clip(image * (255.0 / vmax), 0, 255)), marks)
    return Heatmap(image, "gray", 0, vmax, marks)


def pool_to(values: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Shrink a 2-D map (or each map of an (H, W, C) stack) to ``out_h`` x ``out_w``: each pixel is
    the mean of the block it covers.

    Blocks are as even as the sizes allow (26 to 7 takes blocks of 3 and 4 pixels); a map already
    at that size comes back unchanged.
    """
    values = np.asarray(values, dtype=np.float64)
    h, w = values.shape[:2]
    out_h, out_w = min(max(out_h, 1), h), min(max(out_w, 1), w)
    if (out_h, out_w) == (h, w):
        return values
    rows = np.arange(out_h + 1) * h // out_h
    cols = np.arange(out_w + 1) * w // out_w
    sums = np.add.reduceat(np.add.reduceat(values, rows[:-1], axis=0), cols[:-1], axis=1)
    counts = np.outer(np.diff(rows), np.diff(cols))
    return sums / counts.reshape(counts.shape + (1,) * (values.ndim - 2))  # each map of a stack alike


def map_cell_size(map_shape: tuple[int, int], mode: str, char_width: int | None = None) -> tuple[int, int]:
    """Width and height in cells of one labelled map in a grid (the label takes one row).

    ASCII maps take ``char_width`` characters a pixel (by default ``ascii_char_width``).
    """
    h, w = map_shape
    if mode == "heatmap":
        return w, (h + 1) // 2 + 1
    return w * (char_width or ascii_char_width(w)), h + 1


@dataclass
class MapGrid:
    """Several channels of an (H, W, C) array side by side, each labelled with its channel number.

    ``scale="layer"`` shares one colour scale across all of ``maps`` (every channel, not just the
    ones shown), so channels can be compared; ``"map"`` stretches each map to its own range.
    """

    maps: np.ndarray
    channels: Sequence[int]
    mode: str = "heatmap"
    cmap: str = "inferno"
    scale: str = "map"
    columns: int | None = None
    gap: int = 1
    selected: int | None = None

    def cells(self) -> list[Block]:
        vmin = vmax = None
        if self.scale == "layer":
            vmin, vmax = value_range(self.maps)
        cells = []
        char_width = ascii_char_width(self.maps.shape[1])
        for ch in self.channels:
            body = render_map(self.maps[:, :, ch], self.mode, self.cmap, vmin, vmax, char_width)
            cells.append(labelled(body, f"#{ch}", SELECTED_STYLE if ch == self.selected else LABEL_STYLE))
        return cells

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        cells = self.cells()
        if not cells:
            return
        width = cells[0].width
        columns = self.columns or max(1, (options.max_width + self.gap) // (width + self.gap))
        for start in range(0, len(cells), columns):
            for line in join_blocks(cells[start : start + columns], self.gap):
                yield from line
                yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        w, _ = map_cell_size(self.maps.shape[:2], self.mode)
        n = len(self.channels)
        columns = self.columns or n
        full = min(n, columns) * (w + self.gap) - self.gap
        return Measurement(w, max(w, full))


SELECTED_STYLE = Style(bold=True, reverse=True)
LABEL_STYLE = Style(dim=True)


def labelled(body: Block, label: str, style: Style = LABEL_STYLE) -> Block:
    """The block with a label line on top, cut or padded to the block's width."""
    text = label[: body.width].ljust(body.width)
    return Block([[Segment(text, style)], *body.lines], body.width)


def join_blocks(blocks: Sequence[Block], gap: int = 1) -> list[list[Segment]]:
    """Lines of segments with the blocks side by side, ``gap`` spaces apart, top-aligned."""
    height = max(b.height for b in blocks)
    spacer = Segment(" " * gap)
    lines = []
    for row in range(height):
        line: list[Segment] = []
        for i, block in enumerate(blocks):
            if i:
                line.append(spacer)
            line.extend(block.lines[row] if row < block.height else [Segment(" " * block.width)])
        lines.append(line)
    return lines


def vector_strip(values: np.ndarray, width: int, mode: str = "heatmap", cmap: str = "inferno",
                 vmin: float | None = None, vmax: float | None = None) -> Block:
    """A 1-D activation vector wrapped into rows of ``width`` values (padded with NaN at the end)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    width = max(1, min(width, values.size))
    lo, hi = value_range(values)
    rows = -(-values.size // width)
    padded = np.full(rows * width, np.nan)
    padded[: values.size] = values
    grid = padded.reshape(rows, width)
    vmin = lo if vmin is None else vmin
    vmax = hi if vmax is None else vmax
    return render_map(grid, mode, cmap, vmin, vmax)


def bars(values: Sequence[float], labels: Sequence[str], width: int = 40, ascii_only: bool = False,
         highlight: int | None = None, fmt: str | None = None, vmax: float | None = None) -> Text:
    """Labelled horizontal bars, one per value, e.g. class probabilities; ``highlight`` is bold.

    Without ``fmt`` the values are probabilities, shown as percentages that say 0% or 100% only
    when they are exactly that.
    """
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = vmax if vmax is not None else max(float(values.max(initial=0.0)), 1e-12)
    label_w = max((len(label) for label in labels), default=0)
    text = Text()
    for i, (value, label) in enumerate(zip(values, labels)):
        style = "bold" if i == highlight else ""
        text.append(f"{label:>{label_w}} ", style)
        text.append(_bar(max(value, 0.0) / top, width, ascii_only), "bold green" if i == highlight else "cyan")
        shown = fmt.format(value) if fmt else f"{wording.probability(value):>8}"
        text.append(" " + shown + "\n", style)
    text.rstrip()
    return text


_RISERS = " \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
_ASCII_RISERS = " ........#"


def column_bars(values: np.ndarray, height: int = 8, ascii_only: bool = False, style: str = "cyan") -> Text:
    """A vertical bar per value, ``height`` rows tall, scaled to the largest value (negatives as 0)."""
    values = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0), 0, None)
    top = values.max(initial=0.0) or 1.0
    eighths = np.rint(values / top * height * 8).astype(int)
    risers = _ASCII_RISERS if ascii_only else _RISERS
    text = Text(style=style)
    for row in range(height - 1, -1, -1):
        level = np.clip(eighths - row * 8, 0, 8)
        text.append("".join(risers[v] for v in level.tolist()) + ("\n" if row else ""))
    return text


_EIGHTHS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588"


def _bar(fraction: float, width: int, ascii_only: bool) -> str:
    fraction = min(max(fraction, 0.0), 1.0)
    if ascii_only:
        return ("#" * round(fraction * width)).ljust(width)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    bar = "\u2588" * full + (_EIGHTHS[part] if part else "")
    return bar.ljust(width)


def color_bar(cmap: str, vmin: float, vmax: float, width: int = 28) -> Text:
    """A legend: the colour map from ``vmin`` to ``vmax`` in ``width`` cells."""
    lut = colormap(cmap)
    text = Text(f"{vmin:.3g} ")
    for i in range(width):
        r, g, b = (int(c) for c in lut[round(i * 255 / max(width - 1, 1))])
        text.append(" ", Style(bgcolor=Color.from_rgb(r, g, b)))
    text.append(f" {vmax:.3g}")
    return text
