"""ComparisonGrid: the course's 3x4 figure, one channel of four layers for three images.

The course draws each map with matplotlib's ``imshow``, which stretches a 5x5 map to the same size
as a 26x26 one. This grid does the same, so that the columns line up: every map is resized to
one square size that fits the widget (nearest pixel when enlarged, 2-D averages when shrunk),
while the column headers keep each layer's real shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tui_cnn import render

LABEL_WIDTH = 14
GAP = 2
MIN_SIDE = 4


@dataclass(frozen=True)
class ComparisonRow:
    """One image: its label lines and its maps (native size), one per column."""

    title: str
    caption: str
    maps: Sequence[np.ndarray]


def resize_map(values: np.ndarray, side: int) -> np.ndarray:
    """``values`` (H, W) as ``side`` x ``side``: nearest pixel when enlarging, area averages when shrinking."""
    values = np.asarray(values, dtype=np.float64)
    rows = _resampler(values.shape[0], side)
    cols = _resampler(values.shape[1], side)
    return rows @ values @ cols.T


def _resampler(n_in: int, n_out: int) -> np.ndarray:
    """An (n_out, n_in) matrix that resamples one axis."""
    matrix = np.zeros((n_out, n_in))
    if n_out >= n_in:  # each output pixel copies the input pixel under its centre: crisp squares
        matrix[np.arange(n_out), ((np.arange(n_out) + 0.5) * n_in / n_out).astype(int)] = 1.0
        return matrix
    step = n_in / n_out  # each output pixel averages the input pixels it covers, weighted by overlap
    for i in range(n_out):
        lo, hi = i * step, (i + 1) * step
        for j in range(int(lo), min(int(np.ceil(hi)), n_in)):
            matrix[i, j] = min(hi, j + 1) - max(lo, j)
    return matrix / step


class ComparisonGrid(Widget):
    """Rows of images, columns of layers; every map drawn at one size that fits."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[ComparisonRow] = []
        self.headers: list[str] = []
        self.mode = "heatmap"
        self.cmap = "inferno"
        self.scale = "map"
        self.selected = 0
        self._cache: tuple[tuple, render.Block] | None = None
        self._version = 0

    def show(self, rows: Sequence[ComparisonRow], headers: Sequence[str], mode: str, cmap: str, scale: str,
             selected: int) -> None:
        """Display ``rows`` under ``headers``; ``scale`` is "map" (each its own) or "column" (shared)."""
        self.rows, self.headers = list(rows), list(headers)
        self.mode, self.cmap, self.scale, self.selected = mode, cmap, scale, selected
        self._version += 1
        self.refresh()

    def side(self, width: int | None = None, height: int | None = None) -> int:
        """The side in pixels of every map drawn, for the widget's size (or the one given)."""
        width = self.size.width if width is None else width
        height = self.size.height if height is None else height
        columns = max(1, len(self.headers))
        room_w = (width - LABEL_WIDTH - GAP * columns) // columns
        room_h = (height - 1 - max(0, len(self.rows) - 1)) // max(1, len(self.rows))  # header, blank lines
        if self.mode == "ascii":
            side = min(room_w // 2, room_h)
        else:
            side = min(room_w, 2 * room_h)
        return max(MIN_SIDE, side)

    def column_ranges(self) -> list[tuple[float, float] | tuple[None, None]]:
        """Each column's colour scale: shared by its maps, or (None, None) for each map its own."""
        if self.scale != "column":
            return [(None, None)] * len(self.headers)
        return [render.value_range(np.stack([row.maps[c] for row in self.rows])) for c in range(len(self.headers))]

    def render(self) -> RenderableType:
        if not self.rows:
            return Text("")
        key = (self._version, self.size)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._build())
        return self._cache[1]

    def _build(self) -> render.Block:
        side = self.side()
        char_width = 2 if self.mode == "ascii" else 1
        cell_w = side * char_width
        ranges = self.column_ranges()
        header = [render.Block([[Segment(" " * LABEL_WIDTH)]], LABEL_WIDTH)]
        for text in self.headers:
            if len(text) > cell_w:  # "conv1 26x26" on a narrow map: the name alone
                text = text.split()[0]
            header.append(render.Block([[Segment(text[:cell_w].ljust(cell_w), Style(bold=True))]], cell_w))
        lines = render.join_blocks(header, GAP)
        for number, row in enumerate(self.rows):
            if number:
                lines.append([Segment("")])
            blocks = [self._label(number, row)]
            for values, (vmin, vmax) in zip(row.maps, ranges):
                blocks.append(render.render_map(resize_map(values, side), self.mode, self.cmap, vmin, vmax,
                                                char_width))
            lines.extend(render.join_blocks(blocks, GAP))
        width = LABEL_WIDTH + len(self.headers) * (cell_w + GAP)
        return render.Block(lines, width)

    def _label(self, number: int, row: ComparisonRow) -> render.Block:
        first = f"{number + 1} {row.title}"[:LABEL_WIDTH].ljust(LABEL_WIDTH)
        style = render.SELECTED_STYLE if number == self.selected else Style(bold=True)
        return render.Block([[Segment(first, style)], [Segment(row.caption[:LABEL_WIDTH].ljust(LABEL_WIDTH))]],
                            LABEL_WIDTH)
